"""Prices before anyone pays: list price, discount, the payment method's fee, total and VAT.

A sale is priced once: every channel computes one `Quote` and hands it to `orders.place_order`,
which re-checks it (`recheck`) under the line's lock against the reference data as it stands then,
and refuses with QuoteChanged when anything moved, charging nothing. What a card terminal is asked
for, the order's total, the ledger's postings and a retailer's commission all come from that quote.
"""

from dataclasses import dataclass
from datetime import datetime

from simrenew.brands.models import SETTLED_AT_ONCE, PaymentMethod
from simrenew.brands.queries import enabled_online_methods, method_fee
from simrenew.catalog.models import Product
from simrenew.catalog.queries import current_product
from simrenew.kit import clock
from simrenew.kit.money import vat_included
from simrenew.lines.errors import WrongBrandProduct
from simrenew.lines.models import BundlePeriod, Line
from simrenew.lines.service import ensure_usable
from simrenew.orders.errors import CreditNotForTopup, InvalidTopupAmount, MethodNotAvailable, QuoteChanged
from simrenew.orders.models import Order, OrderKind, OrderStatus
from simrenew.promotions import service as promotions


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
    channel: str
    customer_id: int | None = None
    # The promotions that were running for this brand and channel when it was priced: a quote made
    # before one started or ended is out of date.
    live_promotions: tuple[int, ...] = ()
    discount_label: str = ""
    # Bonus credit a promotion adds to a top-up (kept apart from paid credit, with its own expiry).
    bonus_amount: int = 0
    bonus_expires_at: datetime | None = None
    offer: promotions.Offer | None = None
    purchase: promotions.Purchase | None = None

    @property
    def promotion_label(self) -> str:
        """What the applied offer is, in the active language (for the quote and the receipt)."""
        return self.offer.label() if self.offer is not None else ""

    @property
    def price_amount(self) -> int:
        return self.list_amount - self.discount_amount

    @property
    def total_amount(self) -> int:
        return self.price_amount + self.fee_amount

    @property
    def fingerprint(self) -> str:
        """What was priced: the line, the product, the method and every amount. The confirm button
        carries the fingerprint of the quote shown with it; a confirm whose fresh quote has another
        one (a choice changed after the price was shown, or a promotion started or ended) pays nothing
        (`check_confirmed`)."""
        parts = (self.kind, self.line.pk, self.product.pk, self.method, self.list_amount, self.discount_amount)
        return "-".join(str(part) for part in (*parts, self.fee_amount, self.bonus_amount, self.currency))

    def check_confirmed(self, confirmed: str) -> None:
        """QuoteChanged unless `confirmed` (the confirm button's value) is this quote's fingerprint."""
        if confirmed != self.fingerprint:
            raise QuoteChanged()

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


def quote_order(
    *,
    line: Line,
    product: Product,
    method: str,
    topup_amount: int | None = None,
    channel: str,
    any_topup_amount: bool = False,
    customer_id: int | None = None,
    promo_code: str = "",
) -> Quote:
    """Price a renewal (bundle product) or a top-up (top-up product + amount) paid with `method`.

    `any_topup_amount`: cash a kiosk has already taken (it gives no change) is credited whole,
    whatever amounts the top-up product lists.

    The best eligible promotion (for this channel, customer and promo code) is applied: a
    discount on a bundle, or bonus credit on a top-up. A bundle that becomes free needs no
    payment: its quote is settled as "nothing to pay" (method credit, no fee).
    """
    ensure_usable(line)
    if product.brand_id != line.brand_id or not product.active:
        raise WrongBrandProduct()
    if product.is_bundle:
        assert product.price_amount is not None
        kind, list_amount = OrderKind.BUNDLE, product.price_amount
    else:
        if topup_amount is None or not (product.accepts_topup(topup_amount) or (any_topup_amount and topup_amount > 0)):
            raise InvalidTopupAmount()
        kind, list_amount = OrderKind.TOPUP, topup_amount
    if method == PaymentMethod.CREDIT:
        if kind == OrderKind.TOPUP:
            raise CreditNotForTopup()
    elif method not in SETTLED_AT_ONCE and method not in enabled_online_methods(line.brand):
        raise MethodNotAvailable()
    now = clock.now()
    live = promotions.live_promotion_ids(brand_id=line.brand_id, channel=channel, at=now, promo_code=promo_code)
    purchase: promotions.Purchase | None = None
    offer: promotions.Offer | None = None
    if live or promo_code:
        # Only a running promotion needs the line's history (and a code that matches none is refused).
        purchase = promotions.Purchase(
            line=line,
            product_id=product.pk,
            is_bundle=kind == OrderKind.BUNDLE,
            list_amount=list_amount,
            channel=channel,
            customer_id=customer_id,
            at=now,
            promo_code=promo_code,
            is_new_line=_is_new_line(line),
            previous_topup_at=_previous_topup_at(line),
        )
        offer = promotions.best_offer(purchase)
    discount = offer.discount_amount if offer is not None else 0
    if kind == OrderKind.BUNDLE and list_amount - discount == 0 and method not in SETTLED_AT_ONCE:
        method = PaymentMethod.CREDIT  # nothing to pay
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
        channel=channel,
        customer_id=customer_id,
        live_promotions=live,
        discount_label=offer.label() if offer is not None and discount else "",
        bonus_amount=offer.bonus_amount if offer is not None else 0,
        bonus_expires_at=offer.bonus_expires_at(now) if offer is not None else None,
        offer=offer,
        purchase=purchase,
    )


def recheck(quote: Quote, *, line: Line) -> None:
    """Refuse (QuoteChanged) a quote that no longer holds for `line` (locked by the caller when it
    settles at once): the product's price or availability, the method or its fee, or which promotions
    run. A promotion's budget is checked when the order reserves it (OfferUnavailable)."""
    ensure_usable(line)
    product = current_product(quote.product.pk, line.brand_id)
    if product is None or product.brand_id != line.brand_id:
        raise QuoteChanged()
    if quote.kind == OrderKind.BUNDLE and product.price_amount != quote.list_amount:
        raise QuoteChanged()
    online = quote.method not in SETTLED_AT_ONCE and quote.method != PaymentMethod.CREDIT
    if online and quote.method not in enabled_online_methods(line.brand):
        raise QuoteChanged()
    if method_fee(brand=line.brand, method=quote.method, price_amount=quote.price_amount) != quote.fee_amount:
        raise QuoteChanged()
    at = clock.now()
    code = quote.purchase.promo_code if quote.purchase is not None else ""
    if promotions.live_promotion_ids(brand_id=line.brand_id, channel=quote.channel, at=at, promo_code=code) != (
        quote.live_promotions
    ):
        raise QuoteChanged()


def _is_new_line(line: Line) -> bool:
    """No bundle was ever started on the line, nor bought for it."""
    if BundlePeriod.objects.filter(line=line).exists():
        return False
    return not Order.objects.filter(
        line=line, kind=OrderKind.BUNDLE, status__in=[OrderStatus.PAID, OrderStatus.FULFILLED]
    ).exists()


def _previous_topup_at(line: Line) -> datetime | None:
    last = (
        Order.objects.filter(line=line, kind=OrderKind.TOPUP, status=OrderStatus.FULFILLED, fulfilled_at__isnull=False)
        .order_by("-fulfilled_at")
        .values_list("fulfilled_at", flat=True)
        .first()
    )
    return last
