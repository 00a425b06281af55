"""Kiosk reads: what a balance check shows (a masked number, never a name), kiosk sales, and cash boxes."""

from dataclasses import dataclass
from datetime import datetime

from simrenew.charging import queries as usage
from simrenew.kiosks import cashbox
from simrenew.kiosks.models import CashBoxEmptying, CashBoxEvent, Kiosk, KioskSale
from simrenew.lines import queries as line_queries
from simrenew.lines.models import BundlePeriod, Line


@dataclass(frozen=True)
class BalanceView:
    masked_number: str
    brand: str
    status: str
    credit_amount: int
    bonus_amount: int
    currency: str
    credit_expires_at: datetime | None
    bundle: BundlePeriod | None
    queued: list[BundlePeriod]
    # What is left of the bundle's allowances in usage units (bytes, seconds, SMS; None: unlimited), to
    # the byte and second as the account pages show it; empty without a bundle.
    left: dict[str, int | None]


def balance_view(line: Line) -> BalanceView:
    balances = line_queries.balances(line)
    bundle = line_queries.current_period(line)
    return BalanceView(
        masked_number=line.masked,
        brand=line.brand.name,
        status=line.status,
        credit_amount=balances.credit_amount,
        bonus_amount=balances.bonus_amount,
        currency=line.brand.currency,
        credit_expires_at=line.credit_expires_at,
        bundle=bundle,
        queued=line_queries.queued_periods(line),
        left=usage.allowance_left_units(bundle) if bundle is not None else {},
    )


def sale_of(*, kiosk: Kiosk, order_number: str) -> KioskSale | None:
    return (
        KioskSale.objects.select_related(
            "order", "order__receipt", "order__line", "order__line__brand", "order__product"
        )
        .filter(kiosk=kiosk, order__number=order_number)
        .first()
    )


@dataclass(frozen=True)
class CashBoxRow:
    kiosk: Kiosk
    expected_amount: int
    ledger_amount: int
    device_in_service: bool
    last_emptying: CashBoxEmptying | None


def cash_boxes() -> list[CashBoxRow]:
    """Every active kiosk's cash box: what it should hold now, and its last emptying."""
    rows = []
    for kiosk in Kiosk.objects.filter(active=True).order_by("name"):
        expected = cashbox.expected_in_box(kiosk)
        rows.append(
            CashBoxRow(
                kiosk=kiosk,
                expected_amount=expected.amount,
                ledger_amount=expected.ledger_amount,
                device_in_service=cashbox.device_takes_cash(kiosk),
                last_emptying=CashBoxEmptying.objects.filter(kiosk=kiosk).select_related("emptied_by").first(),
            )
        )
    return rows


def cash_box_events(kiosk: Kiosk, limit: int = 50) -> list[CashBoxEvent]:
    return list(CashBoxEvent.objects.filter(kiosk=kiosk).select_related("session", "device").order_by("-id")[:limit])


def emptyings_of(kiosk: Kiosk, limit: int = 20) -> list[CashBoxEmptying]:
    return list(CashBoxEmptying.objects.filter(kiosk=kiosk).select_related("emptied_by")[:limit])
