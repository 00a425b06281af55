"""Retail reads shared by the POS API, the POS page and the back office: the daily settlement.

The settlement is built from the ledger: every posting on the retailer's float account in the day
(Europe/Brussels), each journal classified by its key (`order:{id}:fulfil` and `voucher:{id}:sale`
are sales, `…:void` voids, `retailer:{id}:deposit:{n}` float top-ups) and tied to its Sale for the
outlet, the amount the customer paid and the commission. Opening and closing balances are sums of
postings, so its float figures are the ledger's; `differences` lists any sale whose float movement is
not its amount less its commission (it should always be empty).
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from simrenew.ledger.models import Account, Posting
from simrenew.retail.models import Outlet, Retailer, Sale

KEY = re.compile(r"^(?P<what>order|voucher|retailer):(?P<id>\d+):(?P<event>fulfil|sale|void|deposit)(?::\d+)?$")


@dataclass
class Movement:
    at: datetime
    event: str  # sale, void, deposit, other
    journal_key: str
    float_amount: int  # the posting on the float: negative for a sale, positive for a void or deposit
    sale: Sale | None = None

    @property
    def commission_amount(self) -> int:
        if self.sale is None:
            return 0
        return self.sale.commission_amount if self.event == "sale" else -self.sale.commission_amount

    @property
    def sale_amount(self) -> int:
        if self.sale is None:
            return 0
        return self.sale.amount if self.event == "sale" else -self.sale.amount


@dataclass
class Totals:
    sales_count: int = 0
    sales_amount: int = 0
    voids_count: int = 0
    voids_amount: int = 0
    commission_amount: int = 0
    deposits_amount: int = 0
    float_amount: int = 0  # net float movement

    def add(self, movement: Movement) -> None:
        self.float_amount += movement.float_amount
        if movement.event == "deposit":
            self.deposits_amount += movement.float_amount
        elif movement.event == "sale" and movement.sale is not None:
            self.sales_count += 1
            self.sales_amount += movement.sale.amount
            self.commission_amount += movement.sale.commission_amount
        elif movement.event == "void" and movement.sale is not None:
            self.voids_count += 1
            self.voids_amount += movement.sale.amount
            self.commission_amount -= movement.sale.commission_amount

    @property
    def net_sales_amount(self) -> int:
        return self.sales_amount - self.voids_amount


@dataclass
class Settlement:
    retailer: Retailer
    day: date
    outlet: Outlet | None
    opening_amount: int
    closing_amount: int
    totals: Totals
    per_outlet: list[tuple[Outlet, Totals]]
    movements: list[Movement]
    differences: list[str] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return not self.differences and self.opening_amount + self.totals.float_amount == self.closing_amount


def day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)


def today() -> date:
    return timezone.localdate()


def _sum(account: Account | None, before: datetime) -> int:
    if account is None:
        return 0
    total = Posting.objects.filter(account=account, journal__created_at__lt=before).aggregate(t=Sum("amount"))["t"]
    return int(total or 0)


def settlement(*, retailer: Retailer, day: date, outlet: Outlet | None = None) -> Settlement:
    """The day's settlement for a retailer, or for one of its outlets (deposits are the retailer's)."""
    start, end = day_bounds(day)
    account = Account.objects.filter(code=retailer.float_account_code).first()
    postings = (
        Posting.objects.filter(account=account, journal__created_at__gte=start, journal__created_at__lt=end)
        .select_related("journal")
        .order_by("journal__created_at", "journal_id")
        if account is not None
        else Posting.objects.none()
    )
    movements: list[Movement] = []
    order_ids, voucher_ids = set(), set()
    for posting in postings:
        match = KEY.match(posting.journal.key)
        event = "other"
        if match:
            event = {"fulfil": "sale", "sale": "sale", "void": "void", "deposit": "deposit"}[match["event"]]
            if match["what"] == "order":
                order_ids.add(int(match["id"]))
            elif match["what"] == "voucher":
                voucher_ids.add(int(match["id"]))
        movements.append(Movement(posting.journal.created_at, event, posting.journal.key, posting.amount))
    sales = Sale.objects.filter(retailer=retailer).filter(Q(order_id__in=order_ids) | Q(voucher_id__in=voucher_ids))
    by_key: dict[str, Sale] = {}
    for sale in sales.select_related("outlet", "brand"):
        prefix = f"order:{sale.order_id}:" if sale.order_id else f"voucher:{sale.voucher_id}:"
        by_key[prefix] = sale
    differences: list[str] = []
    for movement in movements:
        if movement.event in ("sale", "void"):
            movement.sale = by_key.get(movement.journal_key.rsplit(":", 1)[0] + ":")
            if movement.sale is None:
                differences.append(f"{movement.journal_key}: no sale of this retailer")
                continue
            expected = -movement.sale.float_amount if movement.event == "sale" else movement.sale.float_amount
            if movement.float_amount != expected:
                differences.append(f"{movement.journal_key}: float {movement.float_amount}, sale says {expected}")
        elif movement.event == "other":
            differences.append(f"{movement.journal_key}: not a retail movement")
    opening, closing = _sum(account, start), _sum(account, end)
    if outlet is not None:
        movements = [m for m in movements if m.sale is not None and m.sale.outlet_id == outlet.pk]
    totals = Totals()
    outlets: dict[int, tuple[Outlet, Totals]] = {}
    for movement in movements:
        totals.add(movement)
        if movement.sale is not None:
            outlets.setdefault(movement.sale.outlet_id, (movement.sale.outlet, Totals()))[1].add(movement)
    if outlet is not None:
        # One outlet's figures are a part of the float's day: its movements, not the float's balance.
        opening, closing = 0, totals.float_amount
    return Settlement(
        retailer=retailer,
        day=day,
        outlet=outlet,
        opening_amount=opening,
        closing_amount=closing,
        totals=totals,
        per_outlet=sorted(outlets.values(), key=lambda pair: pair[0].name),
        movements=movements,
        differences=differences,
    )


CSV_COLUMNS = [
    "date",
    "time",
    "retailer",
    "outlet",
    "event",
    "sale",
    "kind",
    "brand",
    "sale_amount_cents",
    "commission_cents",
    "float_cents",
    "journal",
]


def settlement_csv(result: Settlement) -> str:
    """One row per float movement, then the opening and closing balances; amounts in cents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    day = result.day.isoformat()
    for m in result.movements:
        local = timezone.localtime(m.at)
        writer.writerow(
            [
                day,
                local.strftime("%H:%M:%S"),
                result.retailer.name,
                m.sale.outlet.name if m.sale else "",
                m.event,
                m.sale.number if m.sale else "",
                m.sale.kind if m.sale else "",
                m.sale.brand.code if m.sale else "",
                m.sale_amount,
                m.commission_amount,
                m.float_amount,
                m.journal_key,
            ]
        )
    outlet_name = result.outlet.name if result.outlet else ""
    for event, amount in (("opening_balance", result.opening_amount), ("closing_balance", result.closing_amount)):
        writer.writerow([day, "", result.retailer.name, outlet_name, event, "", "", "", "", "", amount, ""])
    return buffer.getvalue()
