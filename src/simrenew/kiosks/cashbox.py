"""A kiosk's cash box: what its acceptor's device service records (notes credited to the open cash
session, and every other device event, in the cash-box audit), and staff emptying it with a count
reconciled against the audit and the ledger.

Callers own the transaction. Lock order as in kiosks.service: cash box (Kiosk row) → cash session →
line → order.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from simrenew.audit import service as audit
from simrenew.customers.models import User
from simrenew.kiosks import service as kiosks
from simrenew.kiosks.errors import CashBoxInUse, CountNotValid
from simrenew.kiosks.models import (
    CashBoxEmptying,
    CashBoxEvent,
    CashBoxEventKind,
    CashDevice,
    CashSession,
    Kiosk,
    Purpose,
    SessionStatus,
)
from simrenew.kit import clock
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, AccountKind
from simrenew.payments import cash_acceptor

# A device service that has not reported for this long is out of service: the kiosk stops offering cash.
DEVICE_SILENT_AFTER = timedelta(seconds=30)
# What went into the cash box (and stays there until it is emptied).
IN_THE_BOX = (CashBoxEventKind.CREDIT, CashBoxEventKind.CLEARED_INTO_CASHBOX)


def cash_in_transit_account(currency: str = "EUR") -> Account:
    return ledger.account("platform:cash_in_transit", AccountKind.CASH_IN_TRANSIT, currency)


def cash_difference_account(currency: str = "EUR") -> Account:
    return ledger.account("platform:cash_difference", AccountKind.CASH_DIFFERENCE, currency)


# --- The device service --------------------------------------------------------------------------


def device_in_service(*, kiosk: Kiosk, port: str, firmware: str, channels: list[int], currency: str) -> CashDevice:
    device, _ = CashDevice.objects.update_or_create(
        kiosk=kiosk,
        port=port,
        defaults={
            "firmware": firmware,
            "channels": channels,
            "currency": currency,
            "in_service": True,
            "last_seen_at": timezone.now(),
        },
    )
    return device


def device_seen(device: CashDevice) -> None:
    CashDevice.objects.filter(pk=device.pk).update(in_service=True, last_seen_at=timezone.now())


def device_out_of_service(device: CashDevice) -> None:
    CashDevice.objects.filter(pk=device.pk).update(in_service=False)


def device_takes_cash(kiosk: Kiosk) -> bool:
    """Whether a device service reported this kiosk's acceptor in service just now."""
    since = timezone.now() - DEVICE_SILENT_AFTER
    return CashDevice.objects.filter(kiosk=kiosk, in_service=True, last_seen_at__gte=since).exists()


def takes_cash(kiosk: Kiosk) -> bool:
    """Whether the kiosk offers cash now: the sandbox always; a device only while it is in service."""
    if cash_acceptor.uses_device():
        return device_takes_cash(kiosk)
    return cash_acceptor.acceptor_available()


def open_session(kiosk: Kiosk) -> CashSession | None:
    """The cash session a note inserted now belongs to: the kiosk's newest open one."""
    return CashSession.objects.filter(kiosk=kiosk, status=SessionStatus.OPEN).order_by("-created_at", "-id").first()


def may_take(*, session: CashSession | None, amount: int) -> bool:
    """Whether a note of `amount` in escrow may be stacked for `session` (else the kiosk rejects it)."""
    return session is not None and session.inserted_amount + amount <= settings.KIOSK_MAX_CASH_AMOUNT


@dataclass(frozen=True)
class EventId:
    """Where an event came from: a device service run and its number there (written once)."""

    run: str
    number: int


def record_device_event(
    *,
    kiosk: Kiosk,
    device: CashDevice,
    kind: str,
    at: EventId,
    amount: int = 0,
    channel: int = 0,
    currency: str = "EUR",
    session: CashSession | None = None,
) -> CashBoxEvent:
    """An event of the device that moves no money (read, rejected, reset, ...), written once."""
    kiosks.lock_cash_box(kiosk)
    found = CashBoxEvent.objects.filter(run=at.run, number=at.number).first()
    if found is not None:
        return found
    return kiosks.record_cash_event(
        kiosk=kiosk,
        device=device,
        kind=kind,
        session=session,
        amount=amount,
        kind_of_cash="note" if amount else "",
        currency=currency,
        channel=channel,
        run=at.run,
        number=at.number,
    )


def credit_stacked(
    *,
    kiosk: Kiosk,
    device: CashDevice,
    amount: int,
    at: EventId,
    channel: int = 0,
    currency: str = "EUR",
    session_id: int | None = None,
) -> CashBoxEvent:
    """A note the device reported credited (in the cash box): add it to the session it was read
    for (`session_id`, else the open one). Written once per event, whatever the retries. If that
    session was finished meanwhile, the note is credited to the same line as a top-up at once:
    the kiosk gives no change, so cash in the box is always somebody's credit."""
    kiosks.lock_cash_box(kiosk)
    found = CashBoxEvent.objects.filter(run=at.run, number=at.number).first()
    if found is not None:
        return found
    session = _session_for_credit(kiosk=kiosk, session_id=session_id)
    late = session is not None and session.status != SessionStatus.OPEN
    if session is not None and late:
        session = _late_session(session)
    if session is not None:
        kiosks.add_to_session(session=session, amount=amount, kind="note")
    event = kiosks.record_cash_event(
        kiosk=kiosk,
        device=device,
        kind=CashBoxEventKind.CREDIT,
        session=session,
        amount=amount,
        kind_of_cash="note",
        currency=currency,
        channel=channel,
        run=at.run,
        number=at.number,
    )
    if session is not None and late:
        kiosks.settle_cash_session(kiosk=kiosk, token=session.token)
    return event


def _session_for_credit(*, kiosk: Kiosk, session_id: int | None) -> CashSession | None:
    if session_id is not None:
        found = CashSession.objects.select_for_update().filter(kiosk=kiosk, pk=session_id).first()
        if found is not None:
            return found
    current = open_session(kiosk)
    return kiosks.lock_session(kiosk=kiosk, token=current.token) if current is not None else None


def _late_session(finished: CashSession) -> CashSession:
    """A top-up session for a note that was stacked after its own session was finished."""
    session = CashSession.objects.create(
        token=kiosks.new_token(),
        kiosk=finished.kiosk,
        line=finished.line,
        purpose=Purpose.TOPUP,
        language=finished.language,
        currency=finished.currency,
        created_at=clock.now(),
    )
    return CashSession.objects.select_for_update().get(pk=session.pk)


# --- Emptying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What the cash box should hold since its last emptying, by the audit and by the ledger."""

    counts: dict[int, int]  # cents → how many
    amount: int
    ledger_amount: int
    after_event: int
    currency: str = "EUR"


def expected_in_box(kiosk: Kiosk) -> Expected:
    last = CashBoxEmptying.objects.filter(kiosk=kiosk).order_by("-up_to_event").first()
    after = last.up_to_event if last is not None else 0
    amounts = CashBoxEvent.objects.filter(kiosk=kiosk, id__gt=after, kind__in=IN_THE_BOX).values_list(
        "amount", flat=True
    )
    counts = Counter(amounts)
    held = -ledger.balance(kiosks.cash_account(kiosk))
    return Expected(
        counts=dict(sorted(counts.items())),
        amount=sum(a * n for a, n in counts.items()),
        ledger_amount=held,
        after_event=after,
    )


def _settle_walked_away(kiosk: Kiosk) -> None:
    """Sessions with cash in the box whose customer left (idle past the kiosk's timeout) are credited
    before the count; a customer still paying stops the emptying."""
    idle_since = clock.now() - timedelta(seconds=settings.KIOSK_IDLE_SECONDS)
    with_cash = CashSession.objects.filter(kiosk=kiosk, status=SessionStatus.OPEN, inserted_amount__gt=0)
    left: list[str] = []
    for session in with_cash:
        last = session.insertions.order_by("-created_at").values_list("created_at", flat=True).first()
        if (last or session.created_at) > idle_since:
            raise CashBoxInUse()
        left.append(session.token)
    for token in left:
        kiosks.settle_walked_away(kiosk=kiosk, token=token)


def _clean_count(counted: dict[int, int]) -> dict[int, int]:
    clean: dict[int, int] = {}
    for value, count in counted.items():
        if not isinstance(value, int) or not isinstance(count, int) or value <= 0 or count < 0:
            raise CountNotValid()
        if count:
            clean[value] = count
    return dict(sorted(clean.items()))


def empty_cash_box(*, kiosk: Kiosk, counted: dict[int, int], by: User, note: str = "") -> CashBoxEmptying:
    """Record an emptying with the count per denomination (cents → how many). The ledger moves
    what the kiosk's cash account held to cash in transit as counted, and the difference (counted
    less held) to cash differences; the audit's expectation and the difference are kept with it.
    CashBoxInUse while a customer is paying in cash; CountNotValid for a count that is not one."""
    clean = _clean_count(counted)
    kiosks.lock_cash_box(kiosk)
    _settle_walked_away(kiosk)
    expected = expected_in_box(kiosk)
    counted_amount = sum(value * count for value, count in clean.items())
    mark = kiosks.record_cash_event(kiosk=kiosk, kind=CashBoxEventKind.EMPTIED, amount=counted_amount)
    emptying = CashBoxEmptying.objects.create(
        kiosk=kiosk,
        emptied_by=by,
        emptied_at=clock.now(),
        after_event=expected.after_event,
        up_to_event=mark.pk,
        counted={str(v): n for v, n in clean.items()},
        expected={str(v): n for v, n in expected.counts.items()},
        counted_amount=counted_amount,
        expected_amount=expected.amount,
        ledger_amount=expected.ledger_amount,
        difference_amount=counted_amount - expected.amount,
        currency=expected.currency,
        note=note[:300],
    )
    entries = [
        ledger.Entry(kiosks.cash_account(kiosk), expected.ledger_amount),
        ledger.Entry(cash_in_transit_account(expected.currency), -counted_amount),
        ledger.Entry(cash_difference_account(expected.currency), counted_amount - expected.ledger_amount),
    ]
    if any(entry.amount for entry in entries):  # an empty box counted empty moves nothing
        ledger.post_journal(
            key=emptying.journal_key,
            kind="cash_box_emptying",
            memo=f"{kiosk.code}: counted {counted_amount}, expected {expected.amount}",
            entries=entries,
        )
    audit.record(
        action="kiosk.cash_box_emptied",
        target=f"kiosk:{kiosk.code}",
        user=by,
        details={
            "emptying": emptying.pk,
            "counted": counted_amount,
            "expected": expected.amount,
            "difference": emptying.difference_amount,
        },
    )
    return emptying
