"""Line reads shared by the portal and the APIs."""

from collections import defaultdict
from dataclasses import dataclass, field

from simrenew.kit import clock
from simrenew.kit.phone import normalize_msisdn
from simrenew.ledger import service as ledger
from simrenew.lines.errors import UnknownLine
from simrenew.lines.models import BundlePeriod, Line, PeriodStatus


def line_by_number(raw_number: str) -> Line:
    """The line for a number typed in any usual form; InvalidMsisdn or UnknownLine otherwise."""
    msisdn = normalize_msisdn(raw_number)
    try:
        return Line.objects.select_related("brand").get(msisdn=msisdn)
    except Line.DoesNotExist as exc:
        raise UnknownLine() from exc


@dataclass(frozen=True)
class Balances:
    credit_amount: int
    bonus_amount: int

    @property
    def total_amount(self) -> int:
        return self.credit_amount + self.bonus_amount


def balances(line: Line) -> Balances:
    return balances_of([line])[line.pk]


def current_period(line: Line) -> BundlePeriod | None:
    now = clock.now()
    return (
        line.periods.select_related("product")
        .filter(status__in=[PeriodStatus.ACTIVE, PeriodStatus.QUEUED], starts_at__lte=now, ends_at__gt=now)
        .order_by("starts_at")
        .first()
    )


def queued_periods(line: Line) -> list[BundlePeriod]:
    now = clock.now()
    return list(
        line.periods.select_related("product")
        .filter(status__in=[PeriodStatus.QUEUED, PeriodStatus.ACTIVE], starts_at__gt=now)
        .order_by("starts_at")
    )


def later_period_of_order(order_id: int) -> BundlePeriod | None:
    """The bundle an order bought when it has not started yet (queued after the current one); None
    when it runs already, or the order bought none."""
    return (
        BundlePeriod.objects.select_related("product")
        .filter(order_id=order_id, status=PeriodStatus.QUEUED, starts_at__gt=clock.now())
        .first()
    )


@dataclass(frozen=True)
class LineSummary:
    """What a page shows of a line: its balances, the bundle in use and the bundles queued after it."""

    line: Line
    balances: Balances
    period: BundlePeriod | None
    queued: list[BundlePeriod] = field(default_factory=list)


def balances_of(lines: list[Line]) -> dict[int, Balances]:
    """`balances` of several lines in one query."""
    found = ledger.balances_by_code(
        [code for line in lines for code in (line.credit_account_code, line.bonus_account_code)]
    )
    return {line.pk: Balances(found[line.credit_account_code], found[line.bonus_account_code]) for line in lines}


def summaries(lines: list[Line]) -> list[LineSummary]:
    """`balances`, `current_period` and `queued_periods` of several lines in two queries, whatever
    their number (My account lists every line of a customer)."""
    balances = balances_of(lines)
    now = clock.now()
    running: dict[int, list[BundlePeriod]] = defaultdict(list)
    if lines:
        for period in (
            BundlePeriod.objects.select_related("product")
            .filter(line__in=lines, status__in=[PeriodStatus.ACTIVE, PeriodStatus.QUEUED], ends_at__gt=now)
            .order_by("starts_at", "id")
        ):
            running[period.line_id].append(period)
    return [
        LineSummary(
            line=line,
            balances=balances[line.pk],
            period=next((p for p in running[line.pk] if p.starts_at <= now), None),
            queued=[p for p in running[line.pk] if p.starts_at > now],
        )
        for line in lines
    ]
