"""Prices before anyone pays: list price, discount, the payment method's fee, total and VAT."""

from dataclasses import dataclass

from simrenew.brands.models import SETTLED_AT_ONCE, PaymentMethod
from simrenew.brands.queries import enabled_online_methods, method_fee
from simrenew.catalog.models import Product
from simrenew.kit.money import vat_included
from simrenew.lines.errors import WrongBrandProduct
from simrenew.lines.models import Line
from simrenew.lines.service import ensure_usable
from simrenew.orders.errors import CreditNotForTopup, InvalidTopupAmount, MethodNotAvailable
from simrenew.orders.models import OrderKind


@dataclass(frozen=True)
class Quote:
    kind: str
    line: Line
    product: Product
    method: str
    list_amount: int
    discount_amount: int
    fee_amount: int
    currency: str
    discount_label: str = ""

    @property
    def price_amount(self) -> int:
        return self.list_amount - self.discount_amount

    @property
    def total_amount(self) -> int:
        return self.price_amount + self.fee_amount

    @property
    def fee_vat_amount(self) -> int:
        return vat_included(self.fee_amount)

    @property
    def price_vat_amount(self) -> int:
        """VAT in the price. Top-up credit is a prepaid balance: its VAT is due when it is used."""
        return vat_included(self.price_amount) if self.kind == OrderKind.BUNDLE else 0

    @property
    def vat_amount(self) -> int:
        return self.price_vat_amount + self.fee_vat_amount


def quote_order(*, line: Line, product: Product, method: str, topup_amount: int | None = None) -> Quote:
    """Price a renewal (bundle product) or a top-up (top-up product + amount) paid with `method`."""
    ensure_usable(line)
    if product.brand_id != line.brand_id or not product.active:
        raise WrongBrandProduct()
    if product.is_bundle:
        assert product.price_amount is not None
        kind, list_amount = OrderKind.BUNDLE, product.price_amount
    else:
        if topup_amount is None or not product.accepts_topup(topup_amount):
            raise InvalidTopupAmount()
        kind, list_amount = OrderKind.TOPUP, topup_amount
    if method == PaymentMethod.CREDIT:
        if kind == OrderKind.TOPUP:
            raise CreditNotForTopup()
    elif method not in SETTLED_AT_ONCE and method not in enabled_online_methods(line.brand):
        raise MethodNotAvailable()
    discount = 0
    fee = method_fee(brand=line.brand, method=method, price_amount=list_amount - discount)
    return Quote(
        kind=kind,
        line=line,
        product=product,
        method=method,
        list_amount=list_amount,
        discount_amount=discount,
        fee_amount=fee,
        currency=product.currency,
    )
