"""What the lifecycle's notices have due: set-based selections on indexed ranges that leave out what
was already told (anti-joins on the notices' event keys), so a job reads what is due, not every line.

A reminder falls due when the time left before an end (a bundle's, the credit's validity) crosses one
of the reminder days; `crossed` gives the ends whose time left crossed each day since the last run.
(Something that starts with less time left than a day, a 3-day pass, gets the next smaller day's.)
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from simrenew.brands.models import Brand
from simrenew.ledger.models import AccountKind, Posting
from simrenew.lines.models import BundlePeriod, Line, LineStatus, PeriodStatus
from simrenew.orders.models import Order, OrderKind, OrderStatus
from simrenew.renewals.models import RenewalAttempt
from simrenew.renewals.notices import told

# Ledger movements that take credit away without anyone spending it: not a reason to warn of low credit.
NOT_SPENDING = ["breakage", "bonus_expiry"]


@dataclass(frozen=True)
class Window:
    """Ends in (after, until]: their time left is now at most `days` and more than the next day down."""

    days: int
    after: datetime
    until: datetime


def reach(days: list[int], *, until: datetime) -> list[Window]:
    """For each reminder day (ascending), the ends whose time left is at most that day and more than the
    next day down: the reminder each end is at now."""
    below = [0, *days[:-1]]
    return [
        Window(day, until + timedelta(days=low), until + timedelta(days=day))
        for low, day in zip(below, days, strict=True)
    ]


def crossed(days: list[int], *, since: datetime | None, until: datetime) -> list[Window]:
    """`reach`, narrowed to the ends whose time left crossed the day after `since` (the last run): the
    reminders that fell due since. The first run (`since` None) takes everything within reach."""
    windows = reach(days, until=until)
    if since is not None:
        windows = [Window(w.days, max(w.after, since + timedelta(days=w.days)), w.until) for w in windows]
    return [window for window in windows if window.after < window.until]


def bundles_ending(brand: Brand, window: Window) -> QuerySet[BundlePeriod]:
    """The last periods of the brand's active lines ending in the window, not renewed already nor tried
    by auto-renew (which tells the customer how it went), and not reminded for that day."""
    later = BundlePeriod.objects.filter(line_id=OuterRef("line_id"), starts_at__gte=OuterRef("ends_at")).exclude(
        pk=OuterRef("pk")
    )
    return (
        BundlePeriod.objects.filter(
            line__brand=brand,
            line__status=LineStatus.ACTIVE,
            status__in=[PeriodStatus.ACTIVE, PeriodStatus.QUEUED],
            ends_at__gt=window.after,
            ends_at__lte=window.until,
        )
        .exclude(Exists(later))
        .exclude(Exists(RenewalAttempt.objects.filter(period_id=OuterRef("pk"))))
        .exclude(told("expiring", OuterRef("pk"), window.days))
    )


def credit_validity_ending(window: Window) -> QuerySet[Line]:
    """Active lines whose credit validity ends in the window, unless an automatic renewal before that
    date will keep the credit valid (no need to worry anyone). Whether a line was told already is
    checked by its key (it names the validity's end): `notices.credit_ending_key`."""
    renewed_in_time = BundlePeriod.objects.filter(
        line_id=OuterRef("pk"),
        status__in=[PeriodStatus.ACTIVE, PeriodStatus.QUEUED],
        ends_at__lt=OuterRef("credit_expires_at"),
    )
    return Line.objects.filter(
        status=LineStatus.ACTIVE, credit_expires_at__gt=window.after, credit_expires_at__lte=window.until
    ).exclude(Q(auto_renew=True) & Exists(renewed_in_time))


def credit_validity_uncovered(window: Window, *, since: datetime, until: datetime) -> QuerySet[Line]:
    """Lines whose credit validity ends in the window and whose bundle ended since `since` with nothing
    after it (an automatic renewal that failed): no renewal keeps the credit valid any more, so its
    reminder is due now though no day was crossed."""
    ended = BundlePeriod.objects.filter(status=PeriodStatus.EXPIRED, ends_at__gt=since, ends_at__lte=until)
    return credit_validity_ending(window).filter(pk__in=ended.values("line_id"))


def credit_accounts_spent(*, after: datetime, until: datetime) -> QuerySet[Posting]:
    """Postings that took a line's credit or bonus down between the two moments (journals by time)."""
    return Posting.objects.filter(
        journal__created_at__gt=after,
        journal__created_at__lte=until,
        amount__lt=0,
        account__kind__in=[AccountKind.LINE_CREDIT, AccountKind.LINE_BONUS],
    ).exclude(journal__kind__in=NOT_SPENDING)


def bundles_fulfilled(*, after: datetime, until: datetime) -> QuerySet[Order]:
    """Bundle orders fulfilled between the two moments whose renewal was not told yet."""
    return Order.objects.filter(
        kind=OrderKind.BUNDLE, status=OrderStatus.FULFILLED, fulfilled_at__gt=after, fulfilled_at__lte=until
    ).exclude(told("renewed", OuterRef("pk")))
