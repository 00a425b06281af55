"""The money we hold for others, in the same daily report: each retailer's float against its daily
settlement, each brand's voucher liability against its sold and unredeemed vouchers (at the end of
the day), and each kiosk's cash box (what its audit says it holds against the ledger, now; and the
day's emptyings whose count differed from what was expected)."""

from datetime import date, datetime

from django.db.models import Q, Sum

from simrenew.brands.models import Brand
from simrenew.finance.matching import Found
from simrenew.finance.models import Cause
from simrenew.kiosks import cashbox
from simrenew.kiosks.models import CashBoxEmptying, Kiosk
from simrenew.ledger.models import Account, Posting
from simrenew.retail import queries as retail
from simrenew.retail.models import Retailer
from simrenew.vouchers import service as vouchers
from simrenew.vouchers.models import Voucher, VoucherState


def floats(day: date) -> tuple[list[Found], int]:
    differences, checked = [], 0
    for retailer in Retailer.objects.order_by("pk"):
        checked += 1
        settlement = retail.settlement(retailer=retailer, day=day)
        if settlement.reconciles:
            continue
        # What the float should close at: its opening plus the movements the settlement recognises.
        recognised = sum(m.float_amount for m in settlement.movements if m.event != "other")
        expected = settlement.opening_amount + recognised
        facts = {"retailer": retailer.name, "problems": settlement.differences[:10]}
        differences.append(
            Found(Cause.FLOAT_MISMATCH, f"retailer:{retailer.pk}", "float", expected, settlement.closing_amount, facts)
        )
    return differences, checked


def _liability_in_ledger(brand_code: str, end: datetime) -> int:
    total = Posting.objects.filter(
        account__code=f"brand:{brand_code}:voucher_liability", journal__created_at__lt=end
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def _unredeemed(brand_id: int, end: datetime) -> int:
    """Sold before `end` and, at `end`, not redeemed, voided or expired."""
    gone = Q(redeemed_at__lt=end) | Q(voided_at__lt=end) | Q(state=VoucherState.EXPIRED, expires_at__lt=end)
    total = (
        Voucher.objects.filter(brand_id=brand_id, activated_at__lt=end)
        .exclude(gone)
        .aggregate(total=Sum("value_amount"))["total"]
    )
    return int(total or 0)


def voucher_liability(day: date) -> tuple[list[Found], int]:
    _, end = retail.day_bounds(day)
    # Every brand that sold vouchers or has a liability account (a stray posting counts too).
    with_accounts = Account.objects.filter(kind=vouchers.VOUCHER_LIABILITY).values_list("code", flat=True)
    codes = {code.split(":")[1] for code in with_accounts if code.count(":") == 2}
    brands = set(Voucher.objects.filter(activated_at__lt=end).values_list("brand_id", "brand__code").distinct())
    brands |= set(Brand.objects.filter(code__in=codes).values_list("pk", "code"))
    differences, checked = [], 0
    for brand_id, brand_code in sorted(brands):
        checked += 1
        in_ledger, unredeemed = _liability_in_ledger(brand_code, end), _unredeemed(brand_id, end)
        if in_ledger != unredeemed:
            differences.append(
                Found(Cause.VOUCHER_LIABILITY, f"brand:{brand_code}", "liability", in_ledger, unredeemed, {})
            )
    return differences, checked


def cash_boxes(day: date) -> tuple[list[Found], int]:
    start, end = retail.day_bounds(day)
    differences, checked = [], 0
    for kiosk in Kiosk.objects.filter(active=True).order_by("code"):
        checked += 1
        expected = cashbox.expected_in_box(kiosk)
        if expected.amount != expected.ledger_amount:
            facts = {"kiosk": kiosk.name}
            differences.append(
                Found(
                    Cause.CASH_BOX,
                    f"kiosk:{kiosk.code}",
                    "box_vs_ledger",
                    expected.ledger_amount,
                    expected.amount,
                    facts,
                )
            )
    emptied = CashBoxEmptying.objects.filter(emptied_at__gte=start, emptied_at__lt=end).exclude(difference_amount=0)
    for emptying in emptied.select_related("kiosk").order_by("pk"):
        facts = {"kiosk": emptying.kiosk.name, "note": emptying.note}
        differences.append(
            Found(
                Cause.CASH_BOX,
                f"emptying:{emptying.pk}",
                "count",
                emptying.expected_amount,
                emptying.counted_amount,
                facts,
            )
        )
    return differences, checked
