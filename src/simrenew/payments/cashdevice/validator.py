"""The host side of eSSP for a note validator: commands with retransmission under the same
sequence flag, and poll events read as notes in escrow, credited, rejected, and device state.

The caller credits a note on CREDIT (the note passed the point where it can come back out), never
on READ (the note is in escrow and may still be rejected or, after a reset, given back).
"""

import enum
from dataclasses import dataclass

from simrenew.payments.cashdevice import essp
from simrenew.payments.cashdevice.essp import Command, Event, Packet, Response
from simrenew.payments.cashdevice.transport import Transport

HOST_PROTOCOL = 6


class DeviceNotResponding(Exception):
    """No valid reply after every retry: the cable is out, or the device is rebooting."""


class CommandRefused(Exception):
    def __init__(self, command: Command, response: int) -> None:
        super().__init__(f"{command.name} refused with 0x{response:02X}")
        self.command = command
        self.response = response


class Happening(enum.StrEnum):
    """What a poll tells, in the words of the cash-box audit."""

    READ = "read"  # a note in escrow (amount known)
    CREDIT = "credit"  # a note passed the point of no return: credit it
    STACKING = "stacking"
    STACKED = "stacked"
    REJECTING = "rejecting"
    REJECTED = "rejected"  # the note went back to the customer
    SLAVE_RESET = "slave_reset"
    ESCROW_LOST = "escrow_lost"  # a note in escrow when the device reset: given back, never credited
    DISABLED = "disabled"
    FRAUD_ATTEMPT = "fraud_attempt"
    STACKER_FULL = "stacker_full"
    JAM = "jam"
    CLEARED_FROM_FRONT = "cleared_from_front"
    CLEARED_INTO_CASHBOX = "cleared_into_cashbox"  # a note left over at power-up, now in the box


@dataclass(frozen=True)
class DeviceEvent:
    happening: Happening
    channel: int = 0
    amount: int = 0  # cents; 0 when the event names no note
    currency: str = ""


_PLAIN = {
    Event.STACKING: Happening.STACKING,
    Event.INITIALISING: Happening.DISABLED,
    Event.CHANNEL_DISABLE: Happening.DISABLED,
    Event.STACKED: Happening.STACKED,
    Event.REJECTING: Happening.REJECTING,
    Event.REJECTED: Happening.REJECTED,
    Event.DISABLED: Happening.DISABLED,
    Event.STACKER_FULL: Happening.STACKER_FULL,
    Event.SAFE_JAM: Happening.JAM,
    Event.UNSAFE_JAM: Happening.JAM,
    Event.FRAUD_ATTEMPT: Happening.FRAUD_ATTEMPT,
    Event.CLEARED_FROM_FRONT: Happening.CLEARED_FROM_FRONT,
    Event.CLEARED_INTO_CASHBOX: Happening.CLEARED_INTO_CASHBOX,
}


class EsspHost:
    """Commands to one slave: each new command toggles the sequence flag; a command whose reply
    is lost or garbled is sent again with the same flag, and the device repeats its reply."""

    def __init__(self, transport: Transport, *, slave_id: int = 0, timeout: float = 0.5, retries: int = 3) -> None:
        self.transport = transport
        self.slave_id = slave_id
        self.timeout = timeout
        self.retries = retries
        self._seq = True
        self.retransmissions = 0  # how many commands were sent again (for tests and the log)

    def _exchange(self, data: bytes, seq: bool) -> bytes:
        packet = Packet(slave_id=self.slave_id, seq=seq, data=data)
        for attempt in range(self.retries):
            if attempt:
                self.retransmissions += 1
            self.transport.discard_input()
            self.transport.send(packet)
            reply = self.transport.receive(self.timeout)
            # A reply carries the command's flag and slave id; another (a late reply to an earlier
            # command, another slave's) is not the answer to this command.
            if isinstance(reply, Packet) and reply.slave_id == self.slave_id and reply.seq == seq and reply.data:
                return reply.data
        raise DeviceNotResponding(f"no reply to 0x{data[0]:02X} after {self.retries} tries")

    def command(self, command: Command, params: bytes = b"") -> bytes:
        """Send `command`; its reply's data after OK. CommandRefused for any other response."""
        if command == Command.SYNC:
            # SYNC is accepted whatever the flag; the next command then uses the other one.
            self._seq = True
        reply = self._exchange(bytes([command]) + params, self._seq)
        self._seq = not self._seq
        if reply[0] != Response.OK:
            raise CommandRefused(command, reply[0])
        return reply[1:]


class NoteValidator:
    """A note validator (ITL NV series) over eSSP."""

    def __init__(self, host: EsspHost) -> None:
        self.host = host
        self.setup: essp.Setup | None = None
        self.escrow: DeviceEvent | None = None  # the note READ reported and no CREDIT or REJECTED followed

    def start(self) -> essp.Setup:
        """SYNC, agree the protocol version, read the channels and allow every channel; the
        validator stays disabled until `enable`."""
        self.host.command(Command.SYNC)
        self.host.command(Command.HOST_PROTOCOL_VERSION, bytes([HOST_PROTOCOL]))
        self.setup = essp.parse_setup(self.host.command(Command.SETUP_REQUEST))
        mask = (1 << len(self.setup.values)) - 1
        self.host.command(Command.SET_INHIBITS, bytes([mask & 0xFF, (mask >> 8) & 0xFF]))
        self.escrow = None
        return self.setup

    def enable(self) -> None:
        self.host.command(Command.ENABLE)

    def disable(self) -> None:
        self.host.command(Command.DISABLE)

    def reject(self) -> None:
        """Give back the note in escrow."""
        self.host.command(Command.REJECT)

    def hold(self) -> None:
        """Keep the note in escrow one more poll cycle (while the host decides)."""
        self.host.command(Command.HOLD)

    def reset(self) -> None:
        self.host.command(Command.RESET)

    def poll(self) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        for item in essp.parse_events(self.host.command(Command.POLL)):
            events.extend(self._read(item))
        return events

    def _note(self, happening: Happening, channel: int) -> DeviceEvent:
        setup = self.setup
        if setup is None or not 1 <= channel <= len(setup.values):
            return DeviceEvent(happening, channel)
        return DeviceEvent(happening, channel, setup.value_of(channel), setup.currencies[channel - 1])

    def _read(self, item: essp.PolledEvent) -> list[DeviceEvent]:
        if item.event == Event.SLAVE_RESET:
            # A note in escrow when the device reset went back to the customer: never credit it.
            lost, self.escrow = self.escrow, None
            reset = DeviceEvent(Happening.SLAVE_RESET)
            if lost is None:
                return [reset]
            return [reset, DeviceEvent(Happening.ESCROW_LOST, lost.channel, lost.amount, lost.currency)]
        if item.event == Event.READ_NOTE:
            event = self._note(Happening.READ, item.channel)
            self.escrow = event if item.channel else None
            return [event]
        if item.event == Event.CREDIT_NOTE:
            self.escrow = None
            return [self._note(Happening.CREDIT, item.channel)]
        if item.event == Event.REJECTED:
            self.escrow = None
        return [self._note(_PLAIN[item.event], item.channel)]
