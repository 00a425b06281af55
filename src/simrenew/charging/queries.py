"""Charging reads: what other sessions hold on a line, the rates in force, roaming fair use, and a
line's usage (per day for the current bundle, and its history) for the account pages."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from simrenew.charging.models import (
    MB_BYTES,
    AllowanceCarry,
    ChargingSession,
    Mode,
    Rate,
    RatingGroup,
    Reservation,
    Usage,
)
from simrenew.lines.models import BundlePeriod, Line, PeriodStatus

ALLOWANCE_OF = {
    RatingGroup.DATA: "data",
    RatingGroup.ROAMING_EU: "data",
    RatingGroup.VOICE: "voice",
    RatingGroup.SMS: "sms",
}


@dataclass(frozen=True)
class Holds:
    bonus: int = 0
    credit: int = 0
    # (period id, allowance kind) → units held
    allowance: dict[tuple[int, str], int] = field(default_factory=dict)

    def allowance_of(self, period_id: int) -> dict[str, int]:
        return {kind: units for (period, kind), units in self.allowance.items() if period == period_id}


def held_by_others(*, line: Line, session: ChargingSession, at: datetime) -> Holds:
    """What the line's other sessions hold and that still counts (their hold has not run out): one query."""
    rows = (
        Reservation.objects.filter(line=line, expires_at__gt=at)
        .exclude(session=session)
        .values("rating_group", "period_id", "mode")
        .annotate(
            bonus=Sum("bonus_amount"),
            credit=Sum("credit_amount"),
            allowance=Sum("allowance_units"),
        )
    )
    bonus = credit = 0
    allowance: dict[tuple[int, str], int] = defaultdict(int)
    for row in rows:
        bonus += row["bonus"] or 0
        credit += row["credit"] or 0
        if row["period_id"] is not None:
            allowance[(row["period_id"], ALLOWANCE_OF[RatingGroup(row["rating_group"])])] += row["allowance"] or 0
    return Holds(bonus, credit, dict(allowance))


def current_period(line: Line, *, at: datetime) -> BundlePeriod | None:
    """The bundle period in use at `at` (started, not ended)."""
    return (
        BundlePeriod.objects.select_related("product")
        .filter(line=line, status__in=[PeriodStatus.ACTIVE, PeriodStatus.QUEUED], starts_at__lte=at, ends_at__gt=at)
        .order_by("starts_at", "id")
        .first()
    )


def rates_in_force(brand_id: int, *, at: datetime) -> dict[int, Rate]:
    """The brand's rate per rating group at `at`: the latest version not starting after it."""
    found: dict[int, Rate] = {}
    for rate in Rate.objects.filter(brand_id=brand_id, valid_from__lte=at).order_by("rating_group", "-valid_from"):
        found.setdefault(rate.rating_group, rate)
    return found


def month_start(at: datetime) -> datetime:
    return at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def roaming_home_units(*, line: Line, at: datetime, session: ChargingSession | None = None) -> int:
    """EU roaming units used at home rates this calendar month, plus what open sessions (other than
    `session`) hold of it."""
    used = Usage.objects.filter(
        line=line, rating_group=RatingGroup.ROAMING_EU, mode=Mode.HOME, at__gte=month_start(at)
    ).aggregate(total=Sum("units"))["total"]
    holds = Reservation.objects.filter(
        line=line, rating_group=RatingGroup.ROAMING_EU, mode=Mode.HOME, expires_at__gt=at
    )
    if session is not None:
        holds = holds.exclude(session=session)
    held = holds.aggregate(total=Sum("granted_units"))["total"]
    return int(used or 0) + int(held or 0)


@dataclass(frozen=True)
class DayUsage:
    """A day's use of one rating group: billable units, of which from the bundle, and cents charged."""

    day: date
    rating_group: int
    units: int
    allowance_units: int
    amount: int


def usage_per_day(period: BundlePeriod) -> list[DayUsage]:
    """Usage per day and rating group since the period started (for a chart of used against left)."""
    rows = (
        Usage.objects.filter(line_id=period.line_id, at__gte=period.starts_at, at__lt=period.ends_at)
        .annotate(day=TruncDate("at"))
        .values("day", "rating_group")
        .annotate(
            units=Sum("units"),
            allowance=Sum("allowance_units"),
            charged=Sum("bonus_amount") + Sum("credit_amount"),
        )
        .order_by("day", "rating_group")
    )
    return [DayUsage(row["day"], row["rating_group"], row["units"], row["allowance"], row["charged"]) for row in rows]


def usage_history(line: Line, *, since: datetime | None = None) -> QuerySet[Usage]:
    """A line's usage, newest first (the history page and its CSV export)."""
    rows = Usage.objects.filter(line=line)
    if since is not None:
        rows = rows.filter(at__gte=since)
    return rows.order_by("-at", "-id")


def open_sessions(line: Line, *, at: datetime) -> QuerySet[ChargingSession]:
    return ChargingSession.objects.filter(line=line).filter(Q(status="open") & Q(expires_at__gt=at))


@dataclass(frozen=True)
class BundleUsage:
    """A line's current bundle for a chart of used against left: its allowances (None: unlimited) as
    given and as left, and the usage per day since it started."""

    period: BundlePeriod
    given: dict[str, int | None]
    left: dict[str, int | None]
    days: list[DayUsage]


def current_bundle_usage(line: Line, *, at: datetime) -> BundleUsage | None:
    """The current bundle's usage (None without one): data in MB, calls in minutes, SMS."""
    period = current_period(line, at=at)
    if period is None:
        return None
    product = period.product
    return BundleUsage(
        period=period,
        given={"data_mb": period.data_mb_granted, "minutes": product.voice_minutes, "sms": product.sms_count},
        left={"data_mb": period.data_mb_left, "minutes": period.voice_minutes_left, "sms": period.sms_left},
        days=usage_per_day(period),
    )


# Allowance kinds of a bundle, the base unit usage counts them in, and how many base units make one
# unit of the bundle's allowance (MB, minute, SMS).
KIND_UNITS = {"data": MB_BYTES, "voice": 60, "sms": 1}


def allowance_left_units(period: BundlePeriod) -> dict[str, int | None]:
    """What is left of a period's allowances in usage units (bytes, seconds, SMS; None: unlimited),
    exact to the byte and second (the part of the next MB or minute used is carried)."""
    return allowances_left([period])[period.pk]


def allowances_left(periods: list[BundlePeriod]) -> dict[int, dict[str, int | None]]:
    """`allowance_left_units` of several periods (by their id) in one query, whatever their number."""
    carries = {carry.period_id: carry for carry in AllowanceCarry.objects.filter(period__in=periods)} if periods else {}
    left: dict[int, dict[str, int | None]] = {}
    for period in periods:
        carry = carries.get(period.pk)
        data_bytes = carry.data_bytes if carry else 0
        voice_seconds = carry.voice_seconds if carry else 0
        left[period.pk] = {
            "data": None if period.data_mb_left is None else max(0, period.data_mb_left * MB_BYTES - data_bytes),
            "voice": None
            if period.voice_minutes_left is None
            else max(0, period.voice_minutes_left * 60 - voice_seconds),
            "sms": period.sms_left,
        }
    return left


def allowance_given_units(period: BundlePeriod) -> dict[str, int | None]:
    """A period's whole allowances in usage units (None: unlimited)."""
    product = period.product
    data = period.data_mb_granted
    return {
        "data": None if data is None else data * MB_BYTES,
        "voice": None if product.voice_minutes is None else product.voice_minutes * 60,
        "sms": product.sms_count,
    }


def usage_per_day_since(period: BundlePeriod, *, since: datetime | None) -> list[DayUsage]:
    """`usage_per_day`, from `since` on when it falls inside the period (a customer sees nothing of a
    line from before they held it)."""
    start = period.starts_at if since is None else max(period.starts_at, since)
    rows = (
        Usage.objects.filter(line_id=period.line_id, at__gte=start, at__lt=period.ends_at)
        .annotate(day=TruncDate("at"))
        .values("day", "rating_group")
        .annotate(
            units=Sum("units"),
            allowance=Sum("allowance_units"),
            charged=Sum("bonus_amount") + Sum("credit_amount"),
        )
        .order_by("day", "rating_group")
    )
    return [DayUsage(row["day"], row["rating_group"], row["units"], row["allowance"], row["charged"]) for row in rows]
