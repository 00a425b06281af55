"""Kiosk reads: what a balance check shows (a masked number, never a name), and kiosk sales."""

from dataclasses import dataclass
from datetime import datetime

from simrenew.kiosks.models import Kiosk, KioskSale
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


def balance_view(line: Line) -> BalanceView:
    balances = line_queries.balances(line)
    return BalanceView(
        masked_number=line.masked,
        brand=line.brand.name,
        status=line.status,
        credit_amount=balances.credit_amount,
        bonus_amount=balances.bonus_amount,
        currency=line.brand.currency,
        credit_expires_at=line.credit_expires_at,
        bundle=line_queries.current_period(line),
        queued=line_queries.queued_periods(line),
    )


def sale_of(*, kiosk: Kiosk, order_number: str) -> KioskSale | None:
    return (
        KioskSale.objects.select_related(
            "order", "order__receipt", "order__line", "order__line__brand", "order__product"
        )
        .filter(kiosk=kiosk, order__number=order_number)
        .first()
    )
