"""Cash acceptors as devices: ITL's eSSP (Smiley Secure Protocol) over a serial line.

`essp` is the protocol (frames, CRC, byte stuffing, commands, poll events) and knows no transport;
`transport` carries frames over a serial port (pyserial) or a raw file descriptor; `validator`
is the host side that drives a note validator; `simulator` is a note validator in software, for
tests and the demo, speaking the same protocol on the other end of a pseudo-terminal.
"""
