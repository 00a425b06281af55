"""A note validator in software, speaking eSSP on the device end of a pseudo-terminal: for tests
and the demo. It keeps the device's side of the protocol honestly (a repeated sequence flag gets
the last reply again, unrun), and can be told to insert notes, refuse them, reset with a note in
escrow (the note goes back to the customer), fill its stacker, and lose or repeat a reply.

    sim = NoteValidatorSimulator.on_pty()     # sim.port is the host's serial port name
    sim.start(); sim.insert(2000); ...; sim.stop()
"""

import contextlib
import os
import threading
import tty
from collections import deque
from dataclasses import dataclass, field

from simrenew.payments.cashdevice import essp
from simrenew.payments.cashdevice.essp import Command, Event, Packet, PolledEvent, Response
from simrenew.payments.cashdevice.transport import FdTransport

EURO_NOTES = (500, 1000, 2000, 5000)


@dataclass
class _Note:
    channel: int
    genuine: bool = True


@dataclass
class _State:
    enabled: bool = False
    inhibits: int = 0
    last_seq: bool | None = None
    last_reply: bytes = b""
    queue: deque[_Note] = field(default_factory=deque)
    escrow: _Note | None = None
    stage: str = ""  # "", "read", "held", "rejecting", "stacking"
    just_reset: bool = True
    pending: list[PolledEvent] = field(default_factory=list)


class NoteValidatorSimulator:
    def __init__(
        self,
        fd: int,
        *,
        values: tuple[int, ...] = EURO_NOTES,
        currency: str = "EUR",
        slave_id: int = 0,
        stacker_capacity: int = 500,
        port: str = "",
    ) -> None:
        self.transport = FdTransport(fd)
        self.fd = fd
        self.port = port
        self.slave_id = slave_id
        self.setup = essp.Setup(
            firmware="0400", country=currency, protocol_version=7, values=values, currencies=(currency,) * len(values)
        )
        self.stacker_capacity = stacker_capacity
        self.stacked: list[int] = []  # cents of each note in the cash box
        self.returned: list[int] = []  # notes given back to the customer (rejected, or lost in a reset)
        self.commands: list[Command | int] = []  # every command run (not the repeats answered from cache)
        self._state = _State()
        self._lose_replies = 0
        self._repeat_replies = 0
        self._silent_commands = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._slave_fd: int | None = None

    @classmethod
    def on_pty(cls, **kwargs: object) -> "NoteValidatorSimulator":
        """A simulator on a new pseudo-terminal; the host opens `sim.port`."""
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        sim = cls(master, port=os.ttyname(slave), **kwargs)  # type: ignore[arg-type]
        sim._slave_fd = slave  # kept open so the pty lives while the host reopens it
        return sim

    # --- What a person (or a test) does at the device ----------------------------------------

    def insert(self, amount: int, *, genuine: bool = True) -> None:
        """Push a note into the bezel. An amount the device has no channel for is read as a fake."""
        channel = self.setup.values.index(amount) + 1 if amount in self.setup.values else 0
        with self._lock:
            self._state.queue.append(_Note(channel, genuine and channel > 0))

    def fraud(self, amount: int) -> None:
        with self._lock:
            channel = self.setup.values.index(amount) + 1 if amount in self.setup.values else 0
            self._state.pending.append(PolledEvent(Event.FRAUD_ATTEMPT, channel))

    def power_cycle(self, *, silent_commands: int = 0) -> None:
        """The device resets (power dip, watchdog): everything it held in memory is gone; a note in
        escrow or still in the bezel goes back to the customer. It ignores the next
        `silent_commands` commands while it boots, then reports SLAVE RESET."""
        with self._lock:
            self._reset_locked()
            self._silent_commands = silent_commands

    def lose_next_replies(self, count: int = 1) -> None:
        """Run the next commands but garble their replies on the wire (a noisy cable)."""
        with self._lock:
            self._lose_replies = count

    def repeat_next_reply(self) -> None:
        """Send the next reply twice."""
        with self._lock:
            self._repeat_replies = 1

    def empty_stacker(self) -> list[int]:
        with self._lock:
            taken, self.stacked = self.stacked, []
            return taken

    @property
    def enabled(self) -> bool:
        return self._state.enabled

    @property
    def in_escrow(self) -> int:
        with self._lock:
            note = self._state.escrow
            return self.setup.value_of(note.channel) if note is not None else 0

    # --- Running ----------------------------------------------------------------------------

    def start(self) -> "NoteValidatorSimulator":
        self._thread = threading.Thread(target=self._run, name="essp-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for fd in (self.fd, self._slave_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._slave_fd = None

    def _run(self) -> None:
        while not self._stop.is_set():
            packet = self.transport.receive(0.05)
            if not isinstance(packet, Packet) or packet.slave_id != self.slave_id or not packet.data:
                continue
            with self._lock:
                reply = self._answer(packet)
                lose, self._lose_replies = self._lose_replies > 0, max(self._lose_replies - 1, 0)
                repeat, self._repeat_replies = self._repeat_replies, 0
            if reply is None:
                continue
            wire = essp.encode(Packet(self.slave_id, packet.seq, reply))
            if lose:
                wire = wire[:-1] + bytes([wire[-1] ^ 0x01]) if wire[-1] not in (0x7E, 0x7F) else wire[:-2]
            self.transport.write_raw(wire * (2 if repeat else 1))

    # --- The device's side of the protocol (under the lock) -----------------------------------

    def _answer(self, packet: Packet) -> bytes | None:
        state = self._state
        if self._silent_commands:
            self._silent_commands -= 1
            return None
        command = packet.data[0]
        if command == Command.SYNC:
            state.last_seq = packet.seq
            state.last_reply = bytes([Response.OK])
            self.commands.append(Command.SYNC)
            return state.last_reply
        if state.last_seq is not None and packet.seq == state.last_seq:
            return state.last_reply  # a repeat: the reply to the command already run
        state.last_seq = packet.seq
        self.commands.append(Command(command) if command in Command._value2member_map_ else command)
        state.last_reply = self._run_command(command, packet.data[1:])
        if command == Command.RESET:
            self._reset_locked()
        return state.last_reply

    def _run_command(self, command: int, params: bytes) -> bytes:
        ok, state = bytes([Response.OK]), self._state
        if command == Command.POLL:
            return ok + essp.format_events(self._poll())
        if command == Command.SETUP_REQUEST:
            return ok + essp.format_setup(self.setup)
        if command in (Command.HOST_PROTOCOL_VERSION, Command.RESET):
            return ok
        if command == Command.SET_INHIBITS:
            if len(params) != 2:
                return bytes([Response.WRONG_PARAMETERS])
            state.inhibits = params[0] | (params[1] << 8)
            return ok
        if command in (Command.ENABLE, Command.DISABLE):
            state.enabled = command == Command.ENABLE
            return ok
        if command in (Command.REJECT, Command.HOLD):
            if state.stage not in ("read", "held"):
                return bytes([Response.CANNOT_PROCESS])
            state.stage = "rejecting" if command == Command.REJECT else "held"
            return ok
        return bytes([Response.COMMAND_NOT_KNOWN])

    def _reset_locked(self) -> None:
        state = self._state
        for note in ([state.escrow] if state.escrow and state.stage != "stacking" else []) + list(state.queue):
            self.returned.append(self.setup.value_of(note.channel))
        self._state = _State()

    def _stacker_full(self) -> bool:
        return len(self.stacked) >= self.stacker_capacity

    def _poll(self) -> list[PolledEvent]:
        state = self._state
        events, state.pending = state.pending, []
        if state.just_reset:
            state.just_reset = False
            return [PolledEvent(Event.SLAVE_RESET), PolledEvent(Event.DISABLED), *events]
        if state.stage == "held":
            state.stage = "read"  # HOLD keeps the note one more poll
            return events
        if state.stage == "read":
            assert state.escrow is not None
            state.stage = "stacking"
            self.stacked.append(self.setup.value_of(state.escrow.channel))
            return [*events, PolledEvent(Event.STACKING), PolledEvent(Event.CREDIT_NOTE, state.escrow.channel)]
        if state.stage == "stacking":
            state.stage, state.escrow = "", None
            full = [PolledEvent(Event.STACKER_FULL)] if self._stacker_full() else []
            return [*events, PolledEvent(Event.STACKED), *full]
        if state.stage == "rejecting":
            assert state.escrow is not None
            self.returned.append(self.setup.value_of(state.escrow.channel))
            state.stage, state.escrow = "", None
            return [*events, PolledEvent(Event.REJECTED)]
        if not state.enabled:
            return [*events, PolledEvent(Event.DISABLED)]
        if state.queue:
            note = state.queue.popleft()
            allowed = note.genuine and bool(state.inhibits & (1 << (note.channel - 1)))
            if not allowed or self._stacker_full():
                state.escrow, state.stage = note, "rejecting"
                full = [PolledEvent(Event.STACKER_FULL)] if self._stacker_full() else []
                return [*events, PolledEvent(Event.READ_NOTE, 0), PolledEvent(Event.REJECTING), *full]
            state.escrow, state.stage = note, "read"
            return [*events, PolledEvent(Event.READ_NOTE, note.channel)]
        return events
