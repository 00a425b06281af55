"""A retailer's monthly commission statement: one settlement line per day and outlet (sales, voids,
what the float paid, the commission earned), with the month's totals. Three statements whatever the
month holds: the outlets, the sales grouped by day and outlet, the voids grouped the same way."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from simrenew.reports.model import Period
from simrenew.retail.models import Outlet, Retailer, Sale, SaleStatus


@dataclass
class StatementLine:
    day: date | None
    outlet: str
    sales_count: int = 0
    sales_amount: int = 0
    voids_count: int = 0
    voids_amount: int = 0
    commission_amount: int = 0  # earned on the sales less given back on the voids

    @property
    def net_amount(self) -> int:
        return self.sales_amount - self.voids_amount

    @property
    def float_amount(self) -> int:
        """What the retailer's float paid for the line: its net sales less its commission."""
        return self.net_amount - self.commission_amount

    def add(self, other: "StatementLine") -> None:
        self.sales_count += other.sales_count
        self.sales_amount += other.sales_amount
        self.voids_count += other.voids_count
        self.voids_amount += other.voids_amount
        self.commission_amount += other.commission_amount


@dataclass
class Statement:
    retailer: Retailer
    month: date  # the first day
    outlets: list[Outlet]
    lines: list[StatementLine]
    totals: StatementLine = field(default_factory=lambda: StatementLine(None, ""))


def month_period(month: date) -> Period:
    first = month.replace(day=1)
    following = (first.replace(day=28) + (date.resolution * 4)).replace(day=1)
    return Period(first, following - date.resolution)


def _grouped(sales: "QuerySet[Sale]", moment: str) -> list[tuple[date, int, int, int, int]]:
    """(day, outlet id, sales, amount, commission) per day and outlet."""
    grouped = (
        sales.annotate(day=TruncDate(moment, tzinfo=timezone.get_default_timezone()))
        .values("day", "outlet_id")
        .annotate(count=Count("id"), amount=Sum("amount"), commission=Sum("commission_amount"))
        .order_by("day", "outlet_id")
    )
    return [
        (row["day"], int(row["outlet_id"]), int(row["count"]), int(row["amount"]), int(row["commission"]))
        for row in grouped
    ]


def commission_statement(*, retailer: Retailer, month: date) -> Statement:
    period = month_period(month)
    start, end = period.bounds
    outlets = list(Outlet.objects.filter(retailer=retailer).order_by("name"))
    names = {outlet.pk: outlet.name for outlet in outlets}
    sold = Sale.objects.filter(retailer=retailer, created_at__gte=start, created_at__lt=end)
    voided = Sale.objects.filter(retailer=retailer, status=SaleStatus.VOIDED, voided_at__gte=start, voided_at__lt=end)
    lines: dict[tuple[date, int], StatementLine] = {}
    for day, outlet_id, count, amount, commission in _grouped(sold, "created_at"):
        line = lines.setdefault((day, outlet_id), StatementLine(day, names.get(outlet_id, "")))
        line.sales_count += count
        line.sales_amount += amount
        line.commission_amount += commission
    for day, outlet_id, count, amount, commission in _grouped(voided, "voided_at"):
        line = lines.setdefault((day, outlet_id), StatementLine(day, names.get(outlet_id, "")))
        line.voids_count += count
        line.voids_amount += amount
        line.commission_amount -= commission
    ordered = [lines[key] for key in sorted(lines, key=lambda k: (k[0], names.get(k[1], "")))]
    statement = Statement(retailer=retailer, month=period.start, outlets=outlets, lines=ordered)
    for line in ordered:
        statement.totals.add(line)
    return statement
