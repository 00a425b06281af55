"""ITL eSSP framing, commands and poll events, independent of any transport.

A packet is STX (0x7F), SEQ/ID (bit 7: the sequence flag, bits 0-6: the slave id), LEN, LEN data
bytes and a CRC-16 (polynomial 0x8005, seed 0xFFFF, over SEQ/ID, LEN and data; sent low byte
first). Every 0x7F after the STX is sent twice (byte stuffing), so a single 0x7F always starts a
packet. A reply starts with a generic response (0xF0 OK or an error code); a POLL reply's OK is
followed by the events since the last poll.

The host toggles the sequence flag for every new command and sends the same flag again only to
repeat a command whose reply it did not get; the device answers a repeat with its last reply
instead of running the command again. That is what keeps a poll's events from being lost or
counted twice on a noisy cable.

eSSP's encryption layer (key exchange and AES-wrapped packets) is not implemented: the validator
sits on an internal cable of a locked kiosk. A kiosk in a public place should run the encrypted
protocol in production (see docs/cash-acceptor.md).
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass

STX = 0x7F
SEQ_FLAG = 0x80
CRC_POLYNOMIAL = 0x8005
CRC_SEED = 0xFFFF
MAX_DATA = 255


class Command(enum.IntEnum):
    RESET = 0x01
    SET_INHIBITS = 0x02
    SETUP_REQUEST = 0x05
    HOST_PROTOCOL_VERSION = 0x06
    POLL = 0x07
    REJECT = 0x08
    DISABLE = 0x09
    ENABLE = 0x0A
    SYNC = 0x11
    HOLD = 0x18


class Response(enum.IntEnum):
    OK = 0xF0
    COMMAND_NOT_KNOWN = 0xF2
    WRONG_PARAMETERS = 0xF3
    PARAMETER_OUT_OF_RANGE = 0xF4
    CANNOT_PROCESS = 0xF5
    SOFTWARE_ERROR = 0xF6
    FAIL = 0xF8
    KEY_NOT_SET = 0xFA


class Event(enum.IntEnum):
    """Poll events of a note validator (SSP GA138), the ones this host understands."""

    SLAVE_RESET = 0xF1
    READ_NOTE = 0xEF  # channel: 0 while reading, then the note's channel (held in escrow)
    CREDIT_NOTE = 0xEE  # channel: the note passed the point of no return; credit it
    REJECTING = 0xED
    REJECTED = 0xEC
    STACKING = 0xCC
    STACKED = 0xEB
    SAFE_JAM = 0xEA
    UNSAFE_JAM = 0xE9
    DISABLED = 0xE8
    FRAUD_ATTEMPT = 0xE6  # channel
    STACKER_FULL = 0xE7
    CLEARED_FROM_FRONT = 0xE1  # channel: a note found at power-up, given back
    CLEARED_INTO_CASHBOX = 0xE2  # channel: a note found at power-up, stacked
    CHANNEL_DISABLE = 0xB5
    INITIALISING = 0xB6


# Events followed by one data byte (a channel number); the others carry none.
EVENTS_WITH_CHANNEL = frozenset(
    {Event.READ_NOTE, Event.CREDIT_NOTE, Event.FRAUD_ATTEMPT, Event.CLEARED_FROM_FRONT, Event.CLEARED_INTO_CASHBOX}
)


class ProtocolError(Exception):
    """A packet or reply this host cannot read (a device speaking something else, or noise)."""


def crc16(data: bytes) -> int:
    crc = CRC_SEED
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ CRC_POLYNOMIAL) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def stuff(data: bytes) -> bytes:
    return data.replace(bytes([STX]), bytes([STX, STX]))


@dataclass(frozen=True)
class Packet:
    slave_id: int
    seq: bool
    data: bytes


def encode(packet: Packet) -> bytes:
    """The bytes on the wire for `packet`."""
    if not 0 <= packet.slave_id < SEQ_FLAG:
        raise ValueError(f"slave id {packet.slave_id} is not 0-127")
    if len(packet.data) > MAX_DATA:
        raise ValueError("an eSSP packet carries at most 255 data bytes")
    body = bytes([packet.slave_id | (SEQ_FLAG if packet.seq else 0), len(packet.data)]) + packet.data
    crc = crc16(body)
    return bytes([STX]) + stuff(body + bytes([crc & 0xFF, crc >> 8]))


@dataclass(frozen=True)
class Garbled:
    """A packet whose CRC did not match (or that a new STX cut short)."""

    raw: bytes


class Decoder:
    """Reads packets out of a byte stream: undoes byte stuffing, checks the CRC and skips noise
    between packets. Feed it bytes as they arrive; it returns whole packets (or Garbled ones)."""

    def __init__(self) -> None:
        self._body: bytearray | None = None  # None: waiting for an STX
        self._escape = False  # the previous byte inside a packet was a lone 0x7F so far

    def feed(self, chunk: bytes) -> list[Packet | Garbled]:
        out: list[Packet | Garbled] = []
        for byte in chunk:
            self._byte(byte, out)
        return out

    def _byte(self, byte: int, out: list[Packet | Garbled]) -> None:
        if self._body is None:
            if byte == STX:
                self._body, self._escape = bytearray(), False
            return
        if self._escape:
            self._escape = False
            if byte != STX:
                # The 0x7F before was an STX: the packet in progress was cut short.
                out.append(Garbled(bytes(self._body)))
                self._body = bytearray()
                self._add(byte, out)
                return
            self._add(STX, out)
            return
        if byte == STX:
            self._escape = True
            return
        self._add(byte, out)

    def _add(self, byte: int, out: list[Packet | Garbled]) -> None:
        body = self._body
        assert body is not None
        body.append(byte)
        if len(body) >= 2 and len(body) == 2 + body[1] + 2:
            self._body = None
            crc = body[-2] | (body[-1] << 8)
            if crc16(bytes(body[:-2])) != crc:
                out.append(Garbled(bytes(body)))
                return
            out.append(Packet(slave_id=body[0] & 0x7F, seq=bool(body[0] & SEQ_FLAG), data=bytes(body[2:-2])))


def decode_all(raw: bytes) -> list[Packet | Garbled]:
    return Decoder().feed(raw)


@dataclass(frozen=True)
class PolledEvent:
    event: Event
    channel: int = 0


def parse_events(data: bytes) -> list[PolledEvent]:
    """The events of a POLL reply's data (after its OK byte)."""
    events: list[PolledEvent] = []
    at = 0
    while at < len(data):
        try:
            event = Event(data[at])
        except ValueError:
            raise ProtocolError(f"unknown poll event 0x{data[at]:02X}") from None
        if event in EVENTS_WITH_CHANNEL:
            if at + 1 >= len(data):
                raise ProtocolError(f"poll event {event.name} without its channel")
            events.append(PolledEvent(event, data[at + 1]))
            at += 2
        else:
            events.append(PolledEvent(event))
            at += 1
    return events


def format_events(events: Iterable[PolledEvent]) -> bytes:
    out = bytearray()
    for item in events:
        out.append(item.event)
        if item.event in EVENTS_WITH_CHANNEL:
            out.append(item.channel)
    return bytes(out)


@dataclass(frozen=True)
class Setup:
    """What SETUP REQUEST tells of a note validator (protocol version 6 or later)."""

    firmware: str
    country: str
    protocol_version: int
    # The value of each channel (1-based: channel n is values[n - 1]) in cents, and its currency.
    values: tuple[int, ...]
    currencies: tuple[str, ...]

    def value_of(self, channel: int) -> int:
        return self.values[channel - 1] if 1 <= channel <= len(self.values) else 0


def format_setup(setup: Setup, *, real_value_multiplier: int = 100) -> bytes:
    """The data of a SETUP REQUEST reply after its OK byte (used by the simulator)."""
    count = len(setup.values)
    out = bytearray([0])  # unit type 0: a note validator
    out += setup.firmware.encode("ascii")[:4].ljust(4, b"0")
    out += setup.country.encode("ascii")[:3]
    out += (0).to_bytes(3, "big")  # value multiplier 0: read the expanded values below
    out.append(count)
    out += bytes(min(v // real_value_multiplier, 255) for v in setup.values)
    out += bytes([2] * count)  # channel security (obsolete, fixed)
    out += real_value_multiplier.to_bytes(3, "big")
    out.append(setup.protocol_version)
    for currency in setup.currencies:
        out += currency.encode("ascii")[:3]
    for value in setup.values:
        out += (value // real_value_multiplier).to_bytes(4, "little")
    return bytes(out)


def parse_setup(data: bytes) -> Setup:
    try:
        if data[0] != 0:
            raise ProtocolError(f"unit type {data[0]} is not a note validator")
        firmware = data[1:5].decode("ascii")
        country = data[5:8].decode("ascii")
        count = data[11]
        at = 12 + 2 * count
        multiplier = int.from_bytes(data[at : at + 3], "big")
        protocol = data[at + 3]
        at += 4
        if protocol < 6:
            raise ProtocolError(f"protocol version {protocol}: version 6 or later is needed")
        currencies = tuple(data[at + 3 * i : at + 3 * i + 3].decode("ascii") for i in range(count))
        at += 3 * count
        values = tuple(int.from_bytes(data[at + 4 * i : at + 4 * i + 4], "little") * multiplier for i in range(count))
        if len(data) < at + 4 * count:
            raise ProtocolError("setup reply cut short")
    except (IndexError, UnicodeDecodeError) as exc:
        raise ProtocolError("setup reply cannot be read") from exc
    return Setup(firmware=firmware, country=country, protocol_version=protocol, values=values, currencies=currencies)
