"""The lifecycle's scheduled jobs. Each takes (since, until): `until` is now, `since` where its last
successful run stopped (None the first time). Most work from state ("every period ended by now"),
so a run after two days of downtime does everything that fell due; event scans use `since`. Every
item is handled in its own transaction under its line's lock, and every notice has a unique key,
so a job that runs twice, or dies half-way and runs again, does each thing once.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from simrenew.brands.models import Brand
from simrenew.ledger.models import AccountKind, Posting
from simrenew.lines import lifecycle
from simrenew.lines import queries as line_queries
from simrenew.lines import service as lines
from simrenew.lines.models import BundlePeriod, Line, LineStatus, PeriodStatus
from simrenew.notifications import delivery
from simrenew.notifications.models import Notification
from simrenew.orders import reconcile
from simrenew.orders import service as orders
from simrenew.orders.models import Order, OrderKind, OrderStatus
from simrenew.renewals import notices
from simrenew.renewals import service as renewals
from simrenew.renewals.models import RenewalAttempt

log = logging.getLogger(__name__)
Result = dict[str, int]

# A first run looks back this far for events (renewals, low credit) rather than at all history.
FIRST_RUN_LOOKBACK = timedelta(days=1)
# Event scans overlap the previous run a little (notices are unique, so nothing is sent twice).
SCAN_OVERLAP = timedelta(minutes=5)


def _each[T](items: Iterable[T], work: Callable[[T], int], result: Result, name: str) -> Result:
    """Run `work` on each item in its own transaction; one failing item does not stop the others."""
    for item in items:
        try:
            with transaction.atomic():
                result[name] = result.get(name, 0) + work(item)
        except Exception:
            log.exception("scheduled work on %r failed; it is retried on the next run", item)
            result["errors"] = result.get("errors", 0) + 1
    return result


def _scan_from(since: datetime | None, until: datetime) -> datetime:
    start = since if since is not None else until - FIRST_RUN_LOOKBACK
    return min(start, until) - SCAN_OVERLAP


def reminder_days(text: str) -> list[int]:
    return sorted({int(part) for part in text.replace(";", ",").split(",") if part.strip().isdigit() and int(part) > 0})


def _not_yet_told(keys: Iterable[str]) -> list[str]:
    """The event keys no notice was recorded for yet (one query per thousand, not one per event)."""
    wanted = list(keys)
    told: set[str] = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        told.update(Notification.objects.filter(event_key__in=chunk).values_list("event_key", flat=True))
    return [key for key in wanted if key not in told]


def _stage(left: timedelta, days: list[int]) -> int | None:
    """The reminder due when `left` remains: the smallest number of days not shorter than what is left."""
    for day in days:
        if left <= timedelta(days=day):
            return day
    return None


# --- The jobs


def auto_renew(since: datetime | None, until: datetime) -> Result:
    return renewals.run(at=until)


def bundle_periods(since: datetime | None, until: datetime) -> Result:
    """Periods end and queued ones start on time; a bundle that ended with nothing after it is told."""

    def advance(line_id: int) -> int:
        line = lines.lock_line(line_id)
        ended = lifecycle.advance_periods(line=line, at=until)
        for period in ended:
            if not line.periods.filter(starts_at__gte=period.ends_at).exclude(pk=period.pk).exists():
                notices.period_ended(period)
        return len(ended)

    ids = list(lifecycle.lines_with_periods_due(until).values_list("pk", flat=True))
    return _each(ids, advance, {}, "periods_ended")


def credit_validity(since: datetime | None, until: datetime) -> Result:
    """Lapsed credit validity → grace (receive only); grace over → suspended with breakage."""

    def apply(line_id: int) -> int:
        line = lines.lock_line(line_id)
        changes = lifecycle.apply_credit_validity(line=line, at=until)
        if changes:
            last = changes[-1]  # a line that went through both at once is told where it is now
            if last.new == LineStatus.SUSPENDED:
                notices.suspended(line, breakage_amount=sum(change.breakage_amount for change in changes))
            else:
                notices.grace_started(line, grace_ends_at=lifecycle.grace_ends_at(line))
        return len(changes)

    ids = list(lifecycle.lines_with_credit_due(until).values_list("pk", flat=True))
    return _each(ids, apply, {}, "status_changes")


def bonus_expiry(since: datetime | None, until: datetime) -> Result:
    def expire(line_id: int) -> int:
        return lifecycle.expire_bonus(line=lines.lock_line(line_id), at=until)

    ids = list(lifecycle.lines_with_bonus_due(until).values_list("pk", flat=True))
    return _each(ids, expire, {}, "bonus_expired_amount")


def reminders(since: datetime | None, until: datetime) -> Result:
    """Bundles ending soon (per brand: e.g. 7 and 1 days before) and credit validity ending."""
    result: Result = {}
    later = BundlePeriod.objects.filter(line_id=OuterRef("line_id"), starts_at__gte=OuterRef("ends_at")).exclude(
        pk=OuterRef("pk")
    )
    for brand in Brand.objects.all():
        days = reminder_days(brand.reminder_days)
        if not days:
            continue
        periods = (
            BundlePeriod.objects.filter(
                line__brand=brand,
                line__status=LineStatus.ACTIVE,
                status__in=[PeriodStatus.ACTIVE, PeriodStatus.QUEUED],
                ends_at__gt=until,
                ends_at__lte=until + timedelta(days=max(days)),
            )
            .exclude(Exists(later))
            # Auto-renew already tried (and told the customer how it went): no reminder on top.
            .exclude(Exists(RenewalAttempt.objects.filter(period_id=OuterRef("pk"))))
            .select_related("line", "line__brand", "product")
        )

        due = [(period, _stage(period.ends_at - until, days)) for period in periods]
        keyed: dict[str, tuple[BundlePeriod, int]] = {
            f"expiring:{period.pk}:{stage}": (period, stage) for period, stage in due if stage is not None
        }

        def remind(key: str, keyed: dict[str, tuple[BundlePeriod, int]] = keyed) -> int:
            period, stage = keyed[key]
            return len(notices.expiring_soon(period, days=stage, price_amount=period.product.price_amount or 0))

        _each(_not_yet_told(keyed), remind, result, "expiring_soon")

    credit_days = reminder_days(getattr(settings, "CREDIT_VALIDITY_REMINDER_DAYS", "30,7"))
    if credit_days:
        ending = Line.objects.filter(
            status=LineStatus.ACTIVE,
            credit_expires_at__gt=until,
            credit_expires_at__lte=until + timedelta(days=max(credit_days)),
        ).select_related("brand")

        def warn(line: Line) -> int:
            assert line.credit_expires_at is not None
            stage = _stage(line.credit_expires_at - until, credit_days)
            if stage is None:
                return 0
            # An automatic renewal before that date keeps the credit valid: no need to worry anyone.
            if (
                line.auto_renew
                and line.periods.filter(
                    status__in=[PeriodStatus.ACTIVE, PeriodStatus.QUEUED], ends_at__lt=line.credit_expires_at
                ).exists()
            ):
                return 0
            return len(notices.credit_ending(line, days=stage))

        _each(list(ending), warn, result, "credit_ending")
    return result


def data_use(since: datetime | None, until: datetime) -> Result:
    """80 % and 100 % of a period's data used: told once each (the level is kept on the period)."""

    def warn(period: BundlePeriod) -> int:
        if period.data_mb_left == 0:
            level = 100
        elif (lifecycle.data_used_percent(period) or 0) >= 80:
            level = 80
        else:
            return 0
        if not lifecycle.mark_data_alert(period=period, level=level):
            return 0
        return len(notices.data_used(period, level=level))

    return _each(list(lifecycle.periods_to_warn_about_data()), warn, {}, "data_alerts")


def low_credit(since: datetime | None, until: datetime) -> Result:
    """Lines whose credit went below the threshold by spending since the last run: told once per
    top-up cycle (the notice's key names the last journal that added credit)."""
    threshold = getattr(settings, "LOW_CREDIT_AMOUNT", 300)
    spent = (
        Posting.objects.filter(
            journal__created_at__gt=_scan_from(since, until),
            journal__created_at__lte=until,
            amount__lt=0,
            account__kind__in=[AccountKind.LINE_CREDIT, AccountKind.LINE_BONUS],
        )
        .exclude(journal__kind__in=["breakage", "bonus_expiry"])
        .values_list("account__code", flat=True)
        .distinct()
    )
    line_ids = sorted({int(code.split(":")[1]) for code in spent if code.startswith("line:")})

    def check(line_id: int) -> int:
        line = Line.objects.select_related("brand").get(pk=line_id)
        balance = line_queries.balances(line).total_amount
        if line.status != LineStatus.ACTIVE or balance >= threshold:
            return 0
        episode = (
            Posting.objects.filter(account__code=line.credit_account_code, amount__gt=0)
            .order_by("-journal_id")
            .values_list("journal_id", flat=True)
            .first()
        )
        return len(notices.low_credit(line, episode=episode or 0, balance_amount=balance))

    return _each(line_ids, check, {}, "low_credit")


def renewed_notices(since: datetime | None, until: datetime) -> Result:
    """Every bundle fulfilled since the last run, by any channel, is told as renewed."""
    fulfilled = Order.objects.filter(
        kind=OrderKind.BUNDLE,
        status=OrderStatus.FULFILLED,
        fulfilled_at__gt=_scan_from(since, until),
        fulfilled_at__lte=until,
    ).select_related("line", "line__brand", "product", "receipt")

    def tell(order: Order) -> int:
        return len(notices.renewed(order, BundlePeriod.objects.filter(order_id=order.pk).first()))

    return _each(list(fulfilled), tell, {}, "renewed")


def abandoned_orders(since: datetime | None, until: datetime) -> Result:
    """Orders never sent to payment (the provider was down, the customer left) expire and give
    back the promotion budget they reserved."""
    return {"expired": orders.expire_abandoned_orders(before=until - timedelta(hours=1))}


def reconcile_orders(since: datetime | None, until: datetime) -> Result:
    """Payments settled at the provider without a webhook reaching us, webhooks left unprocessed and
    confirmations never sent (work from state: what is due now, whatever happened before)."""
    return reconcile.run(at=until)


def send_notifications(since: datetime | None, until: datetime) -> Result:
    return {"sent": delivery.send_due()}


# In this order on every tick: renew and settle payments before periods end, then move periods and
# statuses, then tell.
JOBS: list[tuple[str, Callable[[datetime | None, datetime], Result]]] = [
    ("renewals.auto_renew", auto_renew),
    ("orders.reconcile", reconcile_orders),
    ("lines.bundle_periods", bundle_periods),
    ("lines.credit_validity", credit_validity),
    ("lines.bonus_expiry", bonus_expiry),
    ("notifications.reminders", reminders),
    ("notifications.data_use", data_use),
    ("notifications.low_credit", low_credit),
    ("notifications.renewed", renewed_notices),
    ("orders.abandoned", abandoned_orders),
    ("notifications.send", send_notifications),
]
