"""What a report is, whatever it measures: a titled table of typed columns and the chart drawn from it."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.utils import timezone
from django.utils.functional import Promise


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    COUNT = "count"
    MONEY = "money"  # integer cents


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise | str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Period:
    """Whole days in Europe/Brussels, both ends included, and optionally one brand (its code)."""

    start: date
    end: date
    brand: str | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_default_timezone()
        return (
            timezone.make_aware(datetime.combine(self.start, time.min), zone),
            timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), zone),
        )

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]


@dataclass(frozen=True)
class ChartData:
    """Stacked columns over `categories` (days), or one horizontal bar per category when `stacked`
    is False (one series). Values are cents when `money`, else counts."""

    categories: list[str]
    series: list[Series]
    money: bool = True
    stacked: bool = True


@dataclass
class Report:
    slug: str
    title: Promise | str
    columns: list[Column]
    rows: list[tuple[object, ...]]
    chart: ChartData
    # Per column key, the sum of a money or count column (shown as the table's last row).
    totals: dict[str, int] = field(default_factory=dict)
    notes: list[Promise | str] = field(default_factory=list)

    def add_totals(self) -> None:
        for index, column in enumerate(self.columns):
            if column.kind in (Kind.MONEY, Kind.COUNT):
                self.totals[column.key] = sum(int(row[index] or 0) for row in self.rows)  # type: ignore[call-overload]
