"""The per-kiosk cash device service (`simrenew cashbox run --kiosk X --port /dev/ttyUSB0`): one
process beside the kiosk drives its note validator and writes what it reports to the database.

Web requests never wait on the serial line. The kiosk page opens a cash session; this service
enables the validator while the kiosk has an open session and disables it otherwise, rejects a
note in escrow that no session may take, credits each note the device reports CREDIT for to the
session it was read for (each event written once), and records every event in the cash-box
audit. The page shows the session's total as recorded here and places the order from it.

After a device reset (SLAVE RESET) the note that was in escrow went back to the customer and is
never credited; the service starts the device again and the session carries on.
"""

import contextlib
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, transaction

from simrenew.kiosks import cashbox
from simrenew.kiosks.models import CashBoxEventKind, CashDevice, CashSession, Kiosk
from simrenew.payments.cashdevice.essp import ProtocolError
from simrenew.payments.cashdevice.validator import (
    CommandRefused,
    DeviceEvent,
    DeviceNotResponding,
    Happening,
    NoteValidator,
)

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
# Device events written to the audit (DISABLED repeats at every poll of a disabled validator:
# it is written when the state changes, not each time).
_AUDITED = {
    Happening.READ: CashBoxEventKind.READ,
    Happening.STACKING: CashBoxEventKind.STACKING,
    Happening.STACKED: CashBoxEventKind.STACKED,
    Happening.REJECTING: CashBoxEventKind.REJECTING,
    Happening.REJECTED: CashBoxEventKind.REJECTED,
    Happening.SLAVE_RESET: CashBoxEventKind.SLAVE_RESET,
    Happening.ESCROW_LOST: CashBoxEventKind.ESCROW_LOST,
    Happening.FRAUD_ATTEMPT: CashBoxEventKind.FRAUD_ATTEMPT,
    Happening.STACKER_FULL: CashBoxEventKind.STACKER_FULL,
    Happening.JAM: CashBoxEventKind.JAM,
    Happening.CLEARED_FROM_FRONT: CashBoxEventKind.CLEARED_FROM_FRONT,
    Happening.CLEARED_INTO_CASHBOX: CashBoxEventKind.CLEARED_INTO_CASHBOX,
}


@dataclass(frozen=True)
class _Credit:
    event: DeviceEvent
    at: cashbox.EventId
    session: int | None


class CashDeviceService:
    def __init__(self, *, kiosk: Kiosk, validator: NoteValidator, port: str, monotonic: Callable[[], float]) -> None:
        self.kiosk = kiosk
        self.validator = validator
        self.port = port
        self.monotonic = monotonic
        self.run_id = secrets.token_hex(8)
        self.number = 0
        self.device: CashDevice | None = None
        self.enabled = False
        self.escrow_session: int | None = None  # the session the note in escrow was read for
        self._last_heartbeat = 0.0
        self._reported_disabled = False
        self.pending: list[_Credit] = []

    def _next(self) -> cashbox.EventId:
        self.number += 1
        return cashbox.EventId(self.run_id, self.number)

    def _event(self, kind: str, event: DeviceEvent | None = None, session: int | None = None) -> None:
        assert self.device is not None
        with transaction.atomic():
            cashbox.record_device_event(
                kiosk=self.kiosk,
                device=self.device,
                kind=kind,
                at=self._next(),
                amount=event.amount if event else 0,
                channel=event.channel if event else 0,
                currency=(event.currency if event else "") or self.device.currency,
                session=CashSession.objects.filter(pk=session).first() if session else None,
            )

    def start(self) -> None:
        """Start (or restart) the validator; it stays disabled until a session opens."""
        setup = self.validator.start()
        with transaction.atomic():
            self.device = cashbox.device_in_service(
                kiosk=self.kiosk,
                port=self.port,
                firmware=setup.firmware,
                channels=list(setup.values),
                currency=setup.currencies[0] if setup.currencies else "EUR",
            )
        self.enabled, self.escrow_session, self._reported_disabled = False, None, False
        self._last_heartbeat = self.monotonic()
        self._event(CashBoxEventKind.ONLINE)

    def step(self) -> list[DeviceEvent]:
        """One cycle: enable or disable as the kiosk needs, poll, and record what the device said."""
        self.write_credits()
        wanted = cashbox.open_session(self.kiosk) is not None
        if wanted != self.enabled:
            self.validator.enable() if wanted else self.validator.disable()
            self.enabled = wanted
            self._reported_disabled = False
            self._event(CashBoxEventKind.ENABLED if wanted else CashBoxEventKind.DISABLED)
            self._reported_disabled = not wanted
        events = self.validator.poll()
        for event in events:
            self._handle(event)
        if self.device is not None and self.monotonic() - self._last_heartbeat >= HEARTBEAT_SECONDS:
            cashbox.device_seen(self.device)
            self._last_heartbeat = self.monotonic()
        return events

    def _handle(self, event: DeviceEvent) -> None:
        assert self.device is not None
        if event.happening == Happening.CREDIT:
            # The device reports a credit once: it is kept here until its write commits (retried
            # under the same event id, so a write that did commit is not counted twice).
            self.pending.append(_Credit(event, self._next(), self.escrow_session))
            self.escrow_session = None
            self.write_credits()
            return
        if event.happening == Happening.DISABLED:
            if not self._reported_disabled:
                self._event(CashBoxEventKind.DISABLED)
                self._reported_disabled = True
            return
        if event.happening == Happening.READ and event.amount:
            self._read(event)
            return
        if event.happening in (Happening.REJECTED, Happening.ESCROW_LOST):
            self._event(_AUDITED[event.happening], event, self.escrow_session)
            self.escrow_session = None
            return
        if event.happening == Happening.SLAVE_RESET:
            self._event(CashBoxEventKind.SLAVE_RESET)
            # The device forgot everything (enabled, channels): start it again; the next step
            # enables it if a session is open.
            self.validator.start()
            self.enabled, self._reported_disabled = False, True
            return
        if event.happening in _AUDITED:
            self._event(_AUDITED[event.happening], event, self.escrow_session)

    def write_credits(self) -> None:
        """Write the credits not yet written, oldest first; DatabaseError leaves them for the next step."""
        assert self.device is not None
        while self.pending:
            credit = self.pending[0]
            with transaction.atomic():
                cashbox.credit_stacked(
                    kiosk=self.kiosk,
                    device=self.device,
                    amount=credit.event.amount,
                    channel=credit.event.channel,
                    currency=credit.event.currency or self.device.currency,
                    at=credit.at,
                    session_id=credit.session,
                )
            self.pending.pop(0)

    def _read(self, event: DeviceEvent) -> None:
        """A note in escrow: keep it for the open session if the session may take it, else give it back."""
        session = cashbox.open_session(self.kiosk)
        if cashbox.may_take(session=session, amount=event.amount):
            assert session is not None
            self.escrow_session = session.pk
            self._event(CashBoxEventKind.READ, event, session.pk)
            return
        self._event(CashBoxEventKind.REFUSED, event, session.pk if session else None)
        try:
            self.validator.reject()
        except CommandRefused:
            log.warning("kiosk %s: the note in escrow could not be rejected", self.kiosk.code)

    def went_silent(self) -> None:
        """The device stopped answering: the kiosk stops offering cash until it is back."""
        if self.device is not None:
            cashbox.device_out_of_service(self.device)
            self._event(CashBoxEventKind.OFFLINE)
        self.enabled = False

    def run(self, *, stop: threading.Event, poll_seconds: float = 0.2, retry_seconds: float = 2.0) -> None:
        """Poll until `stop` is set; a silent or confused device is started again every `retry_seconds`."""
        started = False
        while not stop.is_set():
            try:
                if not started:
                    self.start()
                    started = True
                self.step()
            except DatabaseError as error:
                # Credits stay pending (written at the next step); the device keeps its place.
                log.error("kiosk %s cash device: database: %s", self.kiosk.code, error)
                stop.wait(retry_seconds)
                continue
            except (DeviceNotResponding, ProtocolError, CommandRefused) as error:
                log.warning("kiosk %s cash device: %s", self.kiosk.code, error)
                if started:
                    self.went_silent()
                started = False
                stop.wait(retry_seconds)
                continue
            stop.wait(poll_seconds)
        if self.device is not None:
            if self.enabled:
                with contextlib.suppress(DeviceNotResponding, CommandRefused):
                    self.validator.disable()
            cashbox.device_out_of_service(self.device)
