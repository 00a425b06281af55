"""Carrying eSSP packets: a serial port (pyserial; a USB adapter or a pseudo-terminal) or a raw
file descriptor (the device end of a pseudo-terminal, for the simulator)."""

import os
import select
import time
from typing import Protocol

import serial

from simrenew.payments.cashdevice.essp import Decoder, Garbled, Packet, encode

# SSP's line settings: 9600 baud, 8 data bits, no parity, 2 stop bits.
BAUD_RATE = 9600


class Transport(Protocol):
    def send(self, packet: Packet) -> None: ...

    def receive(self, timeout: float) -> Packet | Garbled | None:
        """The next packet within `timeout` seconds, a Garbled one, or None when nothing came."""
        ...

    def discard_input(self) -> None:
        """Drop what arrived and was not read (a late or repeated reply to an earlier command)."""
        ...

    def close(self) -> None: ...


class _Framed:
    """Packet reading on top of a byte source with a timeout."""

    def __init__(self) -> None:
        self._decoder = Decoder()
        self._ready: list[Packet | Garbled] = []

    def _read_some(self, timeout: float) -> bytes:
        raise NotImplementedError

    def receive(self, timeout: float) -> Packet | Garbled | None:
        deadline = time.monotonic() + timeout
        while not self._ready:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._ready.extend(self._decoder.feed(self._read_some(left)))
        return self._ready.pop(0)

    def _forget(self) -> None:
        self._decoder = Decoder()
        self._ready.clear()


class SerialTransport(_Framed):
    """A serial port by name: `/dev/ttyUSB0`, `/dev/pts/3`, or any pyserial URL."""

    def __init__(self, port: str) -> None:
        super().__init__()
        self._port = serial.serial_for_url(
            port, baudrate=BAUD_RATE, bytesize=8, parity=serial.PARITY_NONE, stopbits=2, timeout=0
        )

    def send(self, packet: Packet) -> None:
        self._port.write(encode(packet))
        self._port.flush()

    def _read_some(self, timeout: float) -> bytes:
        self._port.timeout = min(timeout, 0.05)
        waiting = self._port.in_waiting
        return bytes(self._port.read(waiting or 1))

    def discard_input(self) -> None:
        self._port.reset_input_buffer()
        self._forget()

    def close(self) -> None:
        self._port.close()


class FdTransport(_Framed):
    """A file descriptor opened by the caller (the master end of a pty); closing it is theirs."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def send(self, packet: Packet) -> None:
        self.write_raw(encode(packet))

    def write_raw(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def _read_some(self, timeout: float) -> bytes:
        readable, _, _ = select.select([self._fd], [], [], min(timeout, 0.05))
        if not readable:
            return b""
        try:
            return os.read(self._fd, 512)
        except OSError:  # the other end closed
            return b""

    def discard_input(self) -> None:
        while select.select([self._fd], [], [], 0)[0]:
            try:
                if not os.read(self._fd, 512):
                    break
            except OSError:
                break
        self._forget()

    def close(self) -> None:
        pass
