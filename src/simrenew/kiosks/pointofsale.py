"""Card payments on the kiosk's Mollie terminal (PAYMENT_TERMINAL=mollie): start one for the quoted
sale, and place the sale when the card is approved (payments.pointofsale waits and decides once)."""

from simrenew.catalog.models import Product
from simrenew.kiosks.models import Kiosk
from simrenew.kiosks.service import _card_quote, _place_card_order, _sale
from simrenew.lines.models import Line
from simrenew.orders.errors import QuoteChanged
from simrenew.payments import pointofsale
from simrenew.payments.models import TerminalOutcome, TerminalPayment
from simrenew.payments.terminal import TerminalUnavailable


def start_card_sale(
    *, kiosk: Kiosk, line: Line, product: Product, topup_amount: int | None = None, language: str = "en"
) -> TerminalPayment:
    """Ask the kiosk's terminal for the quote's total. Owns its transactions."""
    if not kiosk.active:
        raise TerminalUnavailable()
    quote = _card_quote(line=line, product=product, topup_amount=topup_amount)
    return pointofsale.start(
        terminal=kiosk.card_terminal,
        channel=pointofsale.KIOSK,
        seller_id=kiosk.pk,
        line=line,
        product=product,
        topup_amount=topup_amount,
        amount=quote.total_amount,
        currency=quote.currency,
        description=f"{kiosk.name}: {product.name} {line.display}",
        language=language,
    )


def _place(payment: TerminalPayment) -> int:
    """The kiosk sale a paid terminal payment pays for, at the price charged."""
    kiosk = Kiosk.objects.get(pk=payment.seller_id)
    quote = _card_quote(line=payment.line, product=payment.product, topup_amount=payment.topup_amount)
    if quote.total_amount != payment.amount or quote.currency != payment.currency:
        raise QuoteChanged()
    order = _place_card_order(kiosk=kiosk, quote=quote, language=payment.language)
    _sale(kiosk=kiosk, order=order, reference=payment.reference)
    return order.pk


def settle_card_sale(*, payment_id: int) -> TerminalPayment:
    """Apply the payment's status at Mollie (the webhook's job). Call outside a transaction."""
    return pointofsale.settle(payment_id, place=_place, force=True)


def check_card_sale(*, payment_id: int) -> TerminalPayment:
    return pointofsale.check(payment_id, place=_place)


def cancel_card_sale(*, payment_id: int) -> TerminalPayment:
    return pointofsale.cancel(payment_id, place=_place)


def free_terminal(*, kiosk: Kiosk) -> list[TerminalPayment]:
    """The start screen is where the next customer begins: a card payment still waiting on the kiosk's
    terminal (its customer walked away, or the screen was restarted) is cancelled at Mollie, so that
    a late tap cannot pay the last customer's sale. One approved meanwhile stands and is placed, as at
    its deadline. Call outside a transaction (it calls Mollie)."""
    waiting = TerminalPayment.objects.filter(
        channel=pointofsale.KIOSK, seller_id=kiosk.pk, outcome=TerminalOutcome.WAITING
    ).values_list("pk", flat=True)
    return [cancel_card_sale(payment_id=payment_id) for payment_id in waiting]
