"""The reports' reads: one aggregate statement each (grouped in SQL, never row by row), so a report
costs the same number of queries for ten sales or ten million.

Amounts come from the ledger where it is the truth: revenue (net of VAT) is the sum of the postings
on the brands' revenue accounts, promotion cost the promotion expense accounts, breakage the breakage
accounts, liabilities the balances of the line, voucher, float and refunds-payable accounts as of a
moment. Counts come from orders and refunds. A ledger journal of an order (sale, void, refund) has
the order's number as its memo, which ties revenue to the order's channel and product.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from babel.dates import format_skeleton
from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from simrenew.brands.models import Brand
from simrenew.catalog.models import Product
from simrenew.kit.money import babel_locale
from simrenew.ledger.models import AccountKind, Posting
from simrenew.lines.models import Line
from simrenew.orders.models import Channel, Order, OrderKind, Refund, RefundStatus
from simrenew.reports.model import ChartData, Column, Kind, Period, Report, Series
from simrenew.vouchers.service import VOUCHER_LIABILITY

USAGE = "usage"  # revenue booked as the network uses a line's credit (journal kind `usage`)
SOURCE_LABELS: dict[str, Promise] = {
    USAGE: _("Credit used on the network"),
    "breakage": _("Expired credit"),
    "bonus_expiry": _("Expired bonus credit"),
    "voucher_breakage": _("Expired vouchers"),
}


def _label(value: str) -> str:
    for choices in (Channel, OrderKind, RefundStatus):
        if value in choices.values:
            return str(choices(value).label)
    return str(SOURCE_LABELS.get(value, value))


def _zone() -> timezone.zoneinfo.ZoneInfo:  # type: ignore[name-defined]
    return timezone.get_default_timezone()


def _postings(period: Period, kind: str, *, brand_code: str | None = None) -> QuerySet[Posting]:
    start, end = period.bounds
    found = Posting.objects.filter(account__kind=kind, journal__created_at__gte=start, journal__created_at__lt=end)
    if period.brand:
        found = found.filter(account__code=f"brand:{period.brand}:{brand_code or kind}")
    return found


def _day_chart(
    period: Period, rows: Iterable[tuple[date, str, int]], language: str, *, money: bool = True
) -> ChartData:
    """Stacked columns, one per day of the period (empty days included), one series per key."""
    by_key: dict[str, dict[date, int]] = defaultdict(dict)
    for day, key, value in rows:
        by_key[key][day] = by_key[key].get(day, 0) + value
    days = period.days
    locale = babel_locale(language)
    return ChartData(
        categories=[format_skeleton("MMMd", day, locale=locale) for day in days],
        series=[Series(key, [values.get(day, 0) for day in days]) for key, values in sorted(by_key.items())],
        money=money,
    )


def _bar_chart(rows: Iterable[tuple[str, int]], *, money: bool = True) -> ChartData:
    pairs = list(rows)
    return ChartData(
        categories=[label for label, _value in pairs],
        series=[Series("", [v for _label, v in pairs])],
        money=money,
        stacked=False,
    )


def revenue_by_day(period: Period, language: str) -> Report:
    """Revenue net of VAT per day and channel (out-of-bundle use counts as its own source)."""
    order_channel = Order.objects.filter(number=OuterRef("journal__memo")).values("channel")[:1]
    grouped = (
        _postings(period, AccountKind.REVENUE)
        .annotate(
            day=TruncDate("journal__created_at", tzinfo=_zone()),
            source=Coalesce(Subquery(order_channel), F("journal__kind"), output_field=CharField()),
        )
        .values("day", "source")
        .annotate(amount=Sum("amount"))
        .order_by("day", "source")
    )
    rows = [(row["day"], _label(row["source"]), int(row["amount"])) for row in grouped]
    report = Report(
        slug="revenue",
        title=_("Revenue by day and channel"),
        columns=[
            Column("day", _("Day"), Kind.DATE),
            Column("channel", _("Channel"), Kind.TEXT),
            Column("revenue", _("Revenue excl. VAT"), Kind.MONEY),
        ],
        rows=list(rows),
        chart=_day_chart(period, rows, language),
    )
    report.add_totals()
    return report


def _brand_code(account_code: str) -> str:
    return account_code.split(":")[1] if account_code.startswith("brand:") else account_code


def revenue_by_product(period: Period, language: str) -> Report:
    """Revenue net of VAT per brand and product (credit used on the network as its own line)."""
    order_product = Order.objects.filter(number=OuterRef("journal__memo")).values("product_id")[:1]
    grouped = (
        _postings(period, AccountKind.REVENUE)
        .annotate(product_id=Subquery(order_product))
        .values("account__code", "product_id")
        .annotate(amount=Sum("amount"))
        .order_by("account__code", "product_id")
    )
    found = list(grouped)
    products = Product.objects.in_bulk({row["product_id"] for row in found if row["product_id"]})
    brands = dict(Brand.objects.values_list("code", "name"))
    rows: list[tuple[object, ...]] = []
    for row in found:
        product = products.get(row["product_id"])
        brand = _brand_code(row["account__code"])
        name = product.name_in(language) if product else str(SOURCE_LABELS[USAGE])
        rows.append((brands.get(brand, brand), name, int(row["amount"])))
    rows.sort(key=lambda r: (-int(r[2]), str(r[0]), str(r[1])))  # type: ignore[call-overload]
    report = Report(
        slug="revenue-by-product",
        title=_("Revenue by brand and product"),
        columns=[
            Column("brand", _("Brand"), Kind.TEXT),
            Column("product", _("Product"), Kind.TEXT),
            Column("revenue", _("Revenue excl. VAT"), Kind.MONEY),
        ],
        rows=rows,
        chart=_bar_chart((f"{r[0]} · {r[1]}", int(r[2])) for r in rows),  # type: ignore[call-overload]
    )
    report.add_totals()
    return report


def sales_by_kind(period: Period, language: str) -> Report:
    """Top-ups and bundle renewals delivered per day: how many, and their price (VAT incl., after
    discounts, before payment fees), from the orders."""
    start, end = period.bounds
    orders = Order.objects.filter(fulfilled_at__gte=start, fulfilled_at__lt=end)
    if period.brand:
        orders = orders.filter(line__brand__code=period.brand)
    grouped = (
        orders.annotate(day=TruncDate("fulfilled_at", tzinfo=_zone()))
        .values("day", "kind")
        .annotate(count=Count("id"), amount=Sum(F("list_amount") - F("discount_amount")))
        .order_by("day", "kind")
    )
    rows = [(row["day"], _label(row["kind"]), int(row["count"]), int(row["amount"])) for row in grouped]
    report = Report(
        slug="sales",
        title=_("Top-ups and renewals"),
        columns=[
            Column("day", _("Day"), Kind.DATE),
            Column("kind", _("Kind"), Kind.TEXT),
            Column("orders", _("Orders"), Kind.COUNT),
            Column("amount", _("Amount incl. VAT"), Kind.MONEY),
        ],
        rows=list(rows),
        chart=_day_chart(period, ((r[0], r[1], r[3]) for r in rows), language),
    )
    report.add_totals()
    return report


def _by_day_and_brand(period: Period, kind: str, sign: int) -> list[tuple[date, str, int]]:
    grouped = (
        _postings(period, kind)
        .annotate(day=TruncDate("journal__created_at", tzinfo=_zone()))
        .values("day", "account__code")
        .annotate(amount=Sum("amount"))
        .order_by("day", "account__code")
    )
    return [(row["day"], _brand_code(row["account__code"]), sign * int(row["amount"])) for row in grouped]


def promotion_cost(period: Period, language: str) -> Report:
    """What promotions cost per day and brand: discounts given and bonus credit granted (promotion
    expense, net of what refunds gave back)."""
    brands = dict(Brand.objects.values_list("code", "name"))
    rows = [
        (day, brands.get(code, code), amount)
        for day, code, amount in _by_day_and_brand(period, AccountKind.PROMOTION_EXPENSE, -1)
    ]
    report = Report(
        slug="promotions",
        title=_("Promotions' cost"),
        columns=[
            Column("day", _("Day"), Kind.DATE),
            Column("brand", _("Brand"), Kind.TEXT),
            Column("cost", _("Cost"), Kind.MONEY),
        ],
        rows=list(rows),
        chart=_day_chart(period, rows, language),
    )
    report.add_totals()
    return report


def breakage(period: Period, language: str) -> Report:
    """Money that expired unused, per day and what expired: credit, bonus credit, voucher PINs."""
    grouped = (
        _postings(period, AccountKind.BREAKAGE)
        .annotate(day=TruncDate("journal__created_at", tzinfo=_zone()))
        .values("day", "journal__kind")
        .annotate(amount=Sum("amount"))
        .order_by("day", "journal__kind")
    )
    rows = [(row["day"], _label(row["journal__kind"]), int(row["amount"])) for row in grouped]
    report = Report(
        slug="breakage",
        title=_("Breakage"),
        columns=[
            Column("day", _("Day"), Kind.DATE),
            Column("source", _("What expired"), Kind.TEXT),
            Column("amount", _("Amount"), Kind.MONEY),
        ],
        rows=list(rows),
        chart=_day_chart(period, rows, language),
    )
    report.add_totals()
    return report


LIABILITIES: list[tuple[str, Promise]] = [
    (AccountKind.LINE_CREDIT, _("Lines' paid credit")),
    (AccountKind.LINE_BONUS, _("Lines' bonus credit")),
    (VOUCHER_LIABILITY, _("Sold, unredeemed vouchers")),
    (AccountKind.RETAILER_FLOAT, _("Retailers' floats")),
    (AccountKind.REFUNDS_PAYABLE, _("Refunds not yet paid out")),
]
PLATFORM_WIDE = {AccountKind.RETAILER_FLOAT, AccountKind.REFUNDS_PAYABLE}


def _line_codes(brand: str, suffix: str) -> QuerySet[Any, Any]:
    return (
        Line.objects.filter(brand__code=brand)
        .annotate(code=Concat(Value("line:"), Cast("pk", CharField()), Value(f":{suffix}"), output_field=CharField()))
        .values("code")
    )


def liabilities(period: Period, language: str) -> Report:
    """What we owe at the end of the period's last day: the balances of the liability accounts. With
    a brand, only what belongs to a brand (retailers' floats and refunds payable are not a brand's)."""
    end = period.bounds[1]
    postings = Posting.objects.filter(journal__created_at__lt=end, account__kind__in=[k for k, _ in LIABILITIES])
    if period.brand:
        postings = postings.filter(
            Q(account__kind=AccountKind.LINE_CREDIT, account__code__in=_line_codes(period.brand, "credit"))
            | Q(account__kind=AccountKind.LINE_BONUS, account__code__in=_line_codes(period.brand, "bonus"))
            | Q(account__kind=VOUCHER_LIABILITY, account__code=f"brand:{period.brand}:voucher_liability")
        )
    totals = dict(
        postings.values("account__kind").annotate(amount=Sum("amount")).values_list("account__kind", "amount")
    )
    shown = [(k, label) for k, label in LIABILITIES if not (period.brand and k in PLATFORM_WIDE)]
    rows: list[tuple[object, ...]] = [(str(label), int(totals.get(k) or 0)) for k, label in shown]
    report = Report(
        slug="liabilities",
        title=_("Outstanding liabilities"),
        columns=[Column("liability", _("Liability"), Kind.TEXT), Column("balance", _("Balance"), Kind.MONEY)],
        rows=rows,
        chart=_bar_chart((str(r[0]), int(r[1])) for r in rows),  # type: ignore[call-overload]
    )
    if period.brand:
        report.notes.append(
            _("Retailers' floats and refunds payable belong to no brand: choose all brands to see them.")
        )
    report.add_totals()
    return report


def refunds(period: Period, language: str) -> Report:
    """Refunds asked for per day, by where each one stands now."""
    start, end = period.bounds
    found = Refund.objects.filter(created_at__gte=start, created_at__lt=end)
    if period.brand:
        found = found.filter(order__line__brand__code=period.brand)
    grouped = (
        found.annotate(day=TruncDate("created_at", tzinfo=_zone()))
        .values("day", "status")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("day", "status")
    )
    rows = [(row["day"], _label(row["status"]), int(row["count"]), int(row["amount"])) for row in grouped]
    report = Report(
        slug="refunds",
        title=_("Refunds by day and status"),
        columns=[
            Column("day", _("Day"), Kind.DATE),
            Column("status", _("Status"), Kind.TEXT),
            Column("refunds", _("Refunds"), Kind.COUNT),
            Column("amount", _("Amount"), Kind.MONEY),
        ],
        rows=list(rows),
        chart=_day_chart(period, ((r[0], r[1], r[3]) for r in rows), language),
    )
    report.add_totals()
    return report


# The reports in the order the back office lists them: slug -> builder.
REPORTS: dict[str, Callable[[Period, str], Report]] = {
    "revenue": revenue_by_day,
    "revenue-by-product": revenue_by_product,
    "sales": sales_by_kind,
    "promotions": promotion_cost,
    "breakage": breakage,
    "liabilities": liabilities,
    "refunds": refunds,
}
TITLES: dict[str, Promise] = {
    "revenue": _("Revenue by day and channel"),
    "revenue-by-product": _("Revenue by brand and product"),
    "sales": _("Top-ups and renewals"),
    "promotions": _("Promotions' cost"),
    "breakage": _("Breakage"),
    "liabilities": _("Outstanding liabilities"),
    "refunds": _("Refunds by day and status"),
}
