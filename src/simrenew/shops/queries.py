"""Shop desk reads: sales and the end-of-day till report, computed from the ledger itself."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from simrenew.brands.models import PaymentMethod
from simrenew.customers.models import User
from simrenew.ledger.models import Posting
from simrenew.shops.models import Shop, ShopSale, StaffProfile


def staff_shop(user: object) -> Shop | None:
    """The shop of an active staff login with the desk permission; None for anyone else."""
    if not isinstance(user, User) or not (user.is_active and user.is_staff):
        return None
    profile = StaffProfile.objects.select_related("shop").filter(user=user, active=True).first()
    if profile is None or not user.has_perm("shops.use_shop_desk"):
        return None
    return profile.shop


def sales_of(shop: Shop) -> QuerySet[ShopSale]:
    return ShopSale.objects.filter(shop=shop).select_related(
        "order", "order__receipt", "order__line", "order__line__brand", "order__product", "staff"
    )


def sale_of(*, shop: Shop, order_number: str) -> ShopSale | None:
    return sales_of(shop).filter(order__number=order_number).first()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight in the shop's time zone (Europe/Brussels), whatever the DST shift."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)
    return start, end


@dataclass
class TillRow:
    staff_id: int
    staff: str
    sales: int = 0
    cash_amount: int = 0  # what went into the till, in cents
    card_amount: int = 0  # what was charged on the counter terminal


@dataclass
class TillReport:
    shop: Shop
    day: date
    rows: list[TillRow]
    # Straight from the ledger: minus the sum of the day's postings to the till / card account
    # (money we hold is negative). Only for a report over every staff member.
    ledger_cash_amount: int | None = None
    ledger_card_amount: int | None = None
    # Postings of the day that no shop sale explains (e.g. a correction journal).
    unattributed: list[tuple[str, int]] = field(default_factory=list)

    @property
    def cash_amount(self) -> int:
        return sum(row.cash_amount for row in self.rows)

    @property
    def card_amount(self) -> int:
        return sum(row.card_amount for row in self.rows)

    @property
    def sales(self) -> int:
        return sum(row.sales for row in self.rows)

    @property
    def matches_ledger(self) -> bool | None:
        if self.ledger_cash_amount is None:
            return None
        return (
            not self.unattributed
            and self.ledger_cash_amount == self.cash_amount
            and self.ledger_card_amount == self.card_amount
        )


def _fulfilled_order_id(journal_key: str) -> int | None:
    parts = journal_key.split(":")
    if len(parts) == 3 and parts[0] == "order" and parts[2] == "fulfil" and parts[1].isdigit():
        return int(parts[1])
    return None


def till_report(*, shop: Shop, day: date, staff: User | None = None) -> TillReport:
    """Per staff member: sales, cash into the till and card payments on `day`, summed from the
    postings of the shop's till and card accounts (each posting attributed through the sale whose
    order journal made it). Without `staff`, the ledger's own totals are compared with the rows."""
    start, end = day_bounds(day)
    accounts = {shop.till_account_code: PaymentMethod.CASH, shop.card_account_code: PaymentMethod.TERMINAL_CARD}
    postings = (
        Posting.objects.filter(account__code__in=accounts, journal__created_at__gte=start, journal__created_at__lt=end)
        .values_list("account__code", "journal__key", "amount")
        .order_by("journal__created_at", "id")
    )
    per_journal: dict[tuple[str, str], int] = defaultdict(int)
    for code, key, amount in postings:
        per_journal[(code, key)] += int(amount)
    order_ids = {oid for (_, key) in per_journal if (oid := _fulfilled_order_id(key)) is not None}
    sales = {
        sale.order_id: sale
        for sale in ShopSale.objects.filter(shop=shop, order_id__in=order_ids).select_related("staff")
    }
    rows: dict[int, TillRow] = {}
    unattributed: list[tuple[str, int]] = []
    ledger_totals = {PaymentMethod.CASH: 0, PaymentMethod.TERMINAL_CARD: 0}
    counted: set[int] = set()
    for (code, key), amount in per_journal.items():
        taken = -amount
        ledger_totals[accounts[code]] += taken
        oid = _fulfilled_order_id(key)
        sale = sales.get(oid) if oid is not None else None
        if sale is None:
            unattributed.append((key, taken))
            continue
        if staff is not None and sale.staff_id != staff.pk:
            continue
        row = rows.setdefault(sale.staff_id, TillRow(staff_id=sale.staff_id, staff=sale.staff.get_username()))
        if oid not in counted:
            row.sales += 1
            counted.add(sale.order_id)
        if accounts[code] == PaymentMethod.CASH:
            row.cash_amount += taken
        else:
            row.card_amount += taken
    report = TillReport(shop=shop, day=day, rows=sorted(rows.values(), key=lambda r: r.staff))
    if staff is None:
        report.ledger_cash_amount = ledger_totals[PaymentMethod.CASH]
        report.ledger_card_amount = ledger_totals[PaymentMethod.TERMINAL_CARD]
        report.unattributed = unattributed
    return report
