"""Whom to tell about a line (its linked customers, first-linked first; SMS to the line itself) and
the notices the lifecycle sends: each keyed by the event, so it goes out once whatever runs twice.

An event's key is its parts joined by ":" (`expiring:{period}:{days}`); `told(...)` builds the same key
in SQL, so that a job selects only what was not told yet (an anti-join) instead of asking per item.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.db.models import CharField, Exists, Expression, F, Value
from django.db.models.functions import Cast, Concat

from simrenew.customers.models import LineLink
from simrenew.lines import queries as line_queries
from simrenew.lines.models import BundlePeriod, Line
from simrenew.notifications.delivery import Event, Person, record_all
from simrenew.notifications.models import Notification, NotificationKind
from simrenew.notifications.preferences import preferences_known
from simrenew.orders.models import Channel, Order


def event_key(kind: str, *parts: object) -> str:
    return ":".join([kind, *(str(part) for part in parts)])


def told(kind: str, *parts: object) -> Exists:
    """Whether the event `kind:part:…` was notified; parts are values or column references
    (`OuterRef("pk")`), e.g. `.exclude(told("expiring", OuterRef("pk"), 7))`."""
    pieces: list[Any] = [Value(kind)]
    for part in parts:
        piece = Cast(part, CharField()) if isinstance(part, (F, Expression)) else Value(str(part))
        pieces += [Value(":"), piece]
    return Exists(Notification.objects.filter(event_key=Concat(*pieces, output_field=CharField())))


# line → its people: whom a batch of the scheduler's notices goes to, read once for the batch.
_known: ContextVar[dict[int, list[Person]] | None] = ContextVar("renewals_people_known", default=None)


def people_of(line: Line) -> list[Person]:
    """The line's customers, earliest link first; e-mail only to verified addresses."""
    known = _known.get()
    if known is not None and line.pk in known:
        return known[line.pk]
    return _people_of_lines([line.pk])[line.pk]


@contextmanager
def people_known(line_ids: Iterable[int]) -> Iterator[None]:
    """Inside, people_of() and their message preferences answer from two queries for all these lines:
    a batch of notices asks once, not once per notice."""
    known = _people_of_lines(line_ids)
    token = _known.set(known)
    try:
        with preferences_known({person.customer_id for people in known.values() for person in people}):
            yield
    finally:
        _known.reset(token)


def _people_of_lines(line_ids: Iterable[int]) -> dict[int, list[Person]]:
    people: dict[int, list[Person]] = {line_id: [] for line_id in line_ids}
    if not people:
        return people
    # The columns a notice needs, not each holder's whole account (a batch reads a hundred lines'
    # holders: model instances of them cost more than the query).
    links = (
        LineLink.objects.filter(line_id__in=list(people), customer__is_active=True)
        .order_by("linked_at", "id")
        .values_list("line_id", "customer_id", "customer__email", "customer__email_verified_at", "customer__language")
    )
    for line_id, customer_id, email, verified_at, language in links:
        people[line_id].append(Person(customer_id, email if verified_at is not None else "", language))
    return people


def tell_all(events: list[Event]) -> int:
    """Several events (from the `…_event` functions below) recorded in one statement; how many messages
    were recorded now (none for an event told before)."""
    return record_all(events)


def _event(kind: str, event_key: str, line: Line, facts: dict[str, Any], **options: Any) -> Event:
    return Event(kind, event_key, line, people_of(line), facts, **options)


def renewed(order: Order, period: BundlePeriod | None) -> int:
    """A bundle order was fulfilled (by hand or automatically). A hand renewal's buyer already got
    the receipt by e-mail, so only others hear by e-mail; auto-renew's notice carries the receipt."""
    return tell_all([renewed_event(order, period)])


def renewed_event(order: Order, period: BundlePeriod | None) -> Event:
    receipt = getattr(order, "receipt", None)
    facts: dict[str, Any] = {
        "product": order.product,
        "auto": order.channel == Channel.AUTO,
        "starts_at": period.starts_at if period else None,
        "ends_at": period.ends_at if period else None,
        "total_amount": order.total_amount,
        "list_amount": order.list_amount,
        "discount_amount": order.discount_amount,
        "discount_label": order.promotion_label,
        "fee_amount": order.fee_amount,
        "vat_amount": order.vat_amount,
        "method": order.get_method_display(),
        "order_number": order.number,
        "receipt_number": receipt.number if receipt else "",
        "receipt_code": receipt.verification_code if receipt else "",
    }
    skip = frozenset() if order.channel == Channel.AUTO or not order.email else frozenset({order.email.lower()})
    return _event(NotificationKind.RENEWED, event_key("renewed", order.pk), order.line, facts, skip_emails=skip)


def renewal_failed(**details: Any) -> int:
    """See renewal_failed_event."""
    return tell_all([renewal_failed_event(**details)])


def renewal_failed_event(
    *,
    line: Line,
    event_key: str,
    period: BundlePeriod,
    reason: str,
    price_amount: int,
    balance_amount: int | None = None,
    **facts: Any,
) -> Event:
    """An automatic renewal did not happen; `balance_amount` is the line's credit and bonus now (read
    when not given)."""
    if balance_amount is None:
        balance_amount = line_queries.balances(line).total_amount
    return _event(
        NotificationKind.AUTO_RENEW_FAILED,
        event_key,
        line,
        {
            "product": period.product,
            "reason": reason,
            "price_amount": price_amount,
            "balance_amount": balance_amount,
            "ends_at": period.ends_at,
            **facts,
        },
    )


def period_ended(period: BundlePeriod) -> int:
    return tell_all([period_ended_event(period)])


def period_ended_event(period: BundlePeriod) -> Event:
    return _event(
        NotificationKind.EXPIRED,
        f"expired:{period.pk}",
        period.line,
        {"product": period.product, "ends_at": period.ends_at},
    )


def expiring_soon(period: BundlePeriod, *, days: int, price_amount: int) -> int:
    return tell_all([expiring_soon_event(period, days=days, price_amount=price_amount)])


def expiring_soon_event(period: BundlePeriod, *, days: int, price_amount: int) -> Event:
    return _event(
        NotificationKind.EXPIRING_SOON,
        event_key("expiring", period.pk, days),
        period.line,
        {
            "product": period.product,
            "ends_at": period.ends_at,
            "days": days,
            "auto_renew": period.line.auto_renew,
            "price_amount": price_amount,
        },
    )


def credit_ending_key(line_id: int, credit_expires_at: datetime, days: int) -> str:
    """The event: this validity (a top-up moves it, and a new one is told again) ending in `days`."""
    return event_key("credit_ending", line_id, f"{credit_expires_at.astimezone(UTC):%Y%m%dT%H%M}", days)


def credit_ending(line: Line, *, days: int) -> int:
    return tell_all([credit_ending_event(line, days=days)])


def credit_ending_event(line: Line, *, days: int, balance_amount: int | None = None) -> Event:
    """The credit's validity ends in `days`; `balance_amount`: the line's credit and bonus (read when
    not given)."""
    assert line.credit_expires_at is not None
    if balance_amount is None:
        balance_amount = line_queries.balances(line).total_amount
    return _event(
        NotificationKind.CREDIT_ENDING,
        credit_ending_key(line.pk, line.credit_expires_at, days),
        line,
        {
            "credit_expires_at": line.credit_expires_at,
            "balance_amount": balance_amount,
            "grace_days": line.brand.grace_days,
            "days": days,
        },
    )


def grace_started(line: Line, *, grace_ends_at: datetime | None) -> int:
    return tell_all([grace_started_event(line, grace_ends_at=grace_ends_at)])


def grace_started_event(line: Line, *, grace_ends_at: datetime | None) -> Event:
    return _event(
        NotificationKind.LINE_GRACE,
        f"grace:{line.pk}:{line.credit_expires_at:%Y%m%dT%H%M}",
        line,
        {"credit_expires_at": line.credit_expires_at, "grace_ends_at": grace_ends_at},
    )


def suspended(line: Line, *, breakage_amount: int) -> int:
    return tell_all([suspended_event(line, breakage_amount=breakage_amount)])


def suspended_event(line: Line, *, breakage_amount: int) -> Event:
    return _event(
        NotificationKind.LINE_SUSPENDED,
        f"suspended:{line.pk}:{line.credit_expires_at:%Y%m%dT%H%M}",
        line,
        {"credit_expires_at": line.credit_expires_at, "breakage_amount": breakage_amount},
    )


def low_credit(line: Line, *, episode: int, balance_amount: int) -> int:
    return tell_all([low_credit_event(line, episode=episode, balance_amount=balance_amount)])


def low_credit_event(line: Line, *, episode: int, balance_amount: int) -> Event:
    return _event(
        NotificationKind.LOW_CREDIT, f"low_credit:{line.pk}:{episode}", line, {"balance_amount": balance_amount}
    )


def data_used(period: BundlePeriod, *, level: int) -> int:
    return tell_all([data_used_event(period, level=level)])


def data_used_event(period: BundlePeriod, *, level: int) -> Event:
    kind = NotificationKind.DATA_100 if level >= 100 else NotificationKind.DATA_80
    return _event(
        kind,
        f"data{level}:{period.pk}",
        period.line,
        {"product": period.product, "ends_at": period.ends_at, "data_left_mb": period.data_mb_left},
    )
