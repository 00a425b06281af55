"""A line's life over time: bundle periods ending and starting, credit validity lapsing into grace
(receive only) and then suspension with the leftover credit going to breakage, bonus expiry, and data
use. Every function is safe to run again and catches up on everything due by `at`.

Callers own the transaction and lock the line first (`lines.service.lock_line`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, QuerySet

from simrenew.brands.models import Brand
from simrenew.kit import rows
from simrenew.ledger import service as ledger
from simrenew.ledger.errors import DuplicateJournal
from simrenew.lines import bonus
from simrenew.lines.models import BonusGrant, BundlePeriod, Line, LineStatus, PeriodStatus
from simrenew.lines.service import advance_periods_of as advance_many
from simrenew.lines.service import expire_ended_periods


@dataclass(frozen=True)
class StatusChange:
    line_id: int
    old: str
    new: str
    at: datetime
    breakage_amount: int = 0


# --- What is due: set-based queries on indexed ranges (lines.models), so that they cost what is due,
# not what exists. The work happens per line under its lock.


def periods_ended(at: datetime) -> QuerySet[BundlePeriod]:
    """Active periods ended by `at` (to expire); their `line_id` are lines to advance."""
    return BundlePeriod.objects.filter(status=PeriodStatus.ACTIVE, ends_at__lte=at)


def periods_starting(at: datetime) -> QuerySet[BundlePeriod]:
    """Queued periods starting by `at`; their `line_id` are lines to advance."""
    return BundlePeriod.objects.filter(status=PeriodStatus.QUEUED, starts_at__lte=at)


def lines_with_credit_due(at: datetime) -> list[QuerySet[Line]]:
    """Active lines whose credit validity passed, and per brand the lines in grace whose grace is over:
    one query each, so that each is a range of the index on status and validity."""
    lapsed = Line.objects.filter(status=LineStatus.ACTIVE, credit_expires_at__lte=at)
    grace_over = [
        Line.objects.filter(
            brand_id=brand_id, status=LineStatus.GRACE, credit_expires_at__lte=at - timedelta(days=grace_days)
        )
        for brand_id, grace_days in Brand.objects.values_list("pk", "grace_days")
    ]
    return [lapsed, *grace_over]


def bonus_grants_due(at: datetime) -> QuerySet[BonusGrant]:
    """Grants past their expiry with something left; their `line_id` are the lines to sweep."""
    return BonusGrant.objects.filter(expires_at__lte=at, remaining_amount__gt=0)


# --- Per line


def advance_periods(*, line: Line, at: datetime) -> list[BundlePeriod]:
    """Periods end and queued ones start on time (with rollover); returns the periods that ended."""
    return expire_ended_periods(line=line, at=at)


def advance_periods_of(lines: list[Line], at: datetime) -> dict[int, list[BundlePeriod]]:
    """advance_periods for many lines in a few statements; the periods that ended, by line."""
    return advance_many(lines, at)


def grace_ends_at(line: Line) -> datetime | None:
    if line.credit_expires_at is None:
        return None
    return line.credit_expires_at + timedelta(days=line.brand.grace_days)


def apply_credit_validity(*, line: Line, at: datetime) -> list[StatusChange]:
    """Credit validity passed → grace; grace over → suspended, the credit left going to breakage
    (bonus first). A line stopped for longer than its grace goes through both at once."""
    changes: list[StatusChange] = []
    if line.credit_expires_at is None or line.credit_expires_at > at:
        return changes
    if line.status == LineStatus.ACTIVE:
        _set_status(line, LineStatus.GRACE, line.credit_expires_at)
        changes.append(StatusChange(line.pk, LineStatus.ACTIVE, LineStatus.GRACE, line.credit_expires_at))
    grace_end = grace_ends_at(line)
    if line.status == LineStatus.GRACE and grace_end is not None and grace_end <= at:
        amount = forfeit_credit(line=line, at=grace_end)
        _set_status(line, LineStatus.SUSPENDED, grace_end)
        changes.append(StatusChange(line.pk, LineStatus.GRACE, LineStatus.SUSPENDED, grace_end, amount))
    return changes


@contextmanager
def ledger_known(lines: list[Line]) -> Iterator[None]:
    """Inside, apply_credit_validity of these lines (the caller holds their locks) finds their ledger
    accounts and bonus grants from one query each for all of them, not from two or three per line."""
    codes = [
        code
        for line in lines
        for code in (line.credit_account_code, line.bonus_account_code, bonus.breakage_account_code(line))
    ]
    with ledger.accounts_known(codes), bonus.grants_known(line.pk for line in lines):
        yield


def _set_status(line: Line, status: str, at: datetime) -> None:
    line.status = status
    line.status_changed_at = at
    rows.update(line, ("status", "status_changed_at"))  # a statement built once (kit.rows)


def forfeit_credit(*, line: Line, at: datetime) -> int:
    """Move the line's bonus and then its paid credit to the brand's breakage account, once per
    validity cycle (the journal key names the lapsed validity). Returns the amount."""
    assert line.credit_expires_at is not None
    key = f"line:{line.pk}:breakage:{line.credit_expires_at:%Y%m%dT%H%M%S}"
    # Only accounts ever opened can hold anything (a line that never had bonus has no bonus account).
    held = [
        found
        for found in (
            ledger.existing_account(line.bonus_account_code),
            ledger.existing_account(line.credit_account_code),
        )
        if found is not None
    ]
    locked = ledger.lock_accounts([found.pk for found in held]) if held else {}
    entries = [ledger.Entry(found, -locked[found.pk].balance_amount) for found in held]
    total = -sum(entry.amount for entry in entries)
    if total > 0:
        try:
            ledger.post_journal(
                key=key,
                kind="breakage",
                entries=[*entries, ledger.Entry(bonus.breakage_account(line), total)],
                memo=f"credit of line {line.pk} lapsed",
            )
        except DuplicateJournal:
            total = 0
    bonus.forfeit_all(line=line, at=at)
    return total


def expire_bonus(*, line: Line, at: datetime) -> int:
    return bonus.expire_due(line=line, at=at)


def record_data_use(*, line: Line, data_mb: int) -> BundlePeriod | None:
    """The network reports data used (the charging interface to come, and the demo): taken from the
    current period's allowance, never below zero. Returns the period charged, if any."""
    period = line.periods.select_related("product").filter(status=PeriodStatus.ACTIVE).order_by("starts_at").first()
    if period is None or period.data_mb_left is None:
        return period
    period.data_mb_left = max(0, period.data_mb_left - data_mb)
    period.save(update_fields=["data_mb_left"])
    return period


def data_used_percent(period: BundlePeriod) -> int | None:
    granted = period.data_mb_granted
    if granted is None or period.data_mb_left is None or granted == 0:
        return None
    return (granted - period.data_mb_left) * 100 // granted


def periods_to_warn_about_data() -> QuerySet[BundlePeriod]:
    """Active periods whose data use reached a warning not yet given (80 % used: at most a fifth of
    the allowance left; 100 %: nothing left). The condition is the one of the partial index
    `period_data_alert_due`, so only those periods are read."""
    return BundlePeriod.objects.filter(status=PeriodStatus.ACTIVE, data_mb_left__lte=F("data_alert_at_mb"))


def data_alert_due(period: BundlePeriod) -> int:
    """The warning a period from periods_to_warn_about_data() is due: 100 when no data is left, else 80."""
    return 100 if period.data_mb_left == 0 else 80


def mark_data_alert(*, period: BundlePeriod, level: int) -> bool:
    """Record that the `level` % warning was given (the next one falls due when no data is left, after
    the 100 % one none does); False if it, or a higher one, already was."""
    next_at = 0 if level < 100 else None
    updated = BundlePeriod.objects.filter(pk=period.pk, data_alert_level__lt=level).update(
        data_alert_level=level, data_alert_at_mb=next_at
    )
    return bool(updated)
