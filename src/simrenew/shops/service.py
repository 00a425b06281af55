"""Shop desk writes: shops and their staff, identifying a holder, and sales at the counter.

Every staff action is written to the audit log (audit.service.record) in the same transaction
as what it did; a refused card payment is audited on its own, since nothing else is written.
"""

import secrets
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from simrenew.audit import service as audit
from simrenew.brands.models import PaymentMethod
from simrenew.catalog.models import Product
from simrenew.customers.models import User
from simrenew.identity import service as identity
from simrenew.identity.models import Identification
from simrenew.kit import clock
from simrenew.kit.errors import DomainError
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, AccountKind
from simrenew.lines.models import Line
from simrenew.orders import service as orders
from simrenew.orders.errors import QuoteChanged
from simrenew.orders.models import Channel
from simrenew.orders.postings import Funding
from simrenew.orders.quotes import Quote, quote_order
from simrenew.payments import pointofsale
from simrenew.payments.models import TerminalOutcome, TerminalPayment
from simrenew.payments.terminal import CardDeclined, PaymentTerminal
from simrenew.shops.errors import NotPaidAtCounter, ShopClosed
from simrenew.shops.models import Shop, ShopSale, StaffProfile
from simrenew.staff import service as staff
from simrenew.staff.queries import roles_of
from simrenew.staff.roles import SHOP_ASSISTANT, SHOP_MANAGER

ASSISTANT = "assistant"
MANAGER = "manager"
COUNTER_METHODS = {PaymentMethod.CASH, PaymentMethod.TERMINAL_CARD}


def till_account(shop: Shop) -> Account:
    return ledger.account(shop.till_account_code, AccountKind.SHOP_CASH)


def card_account(shop: Shop) -> Account:
    return ledger.account(shop.card_account_code, AccountKind.PROVIDER_CLEARING)


def create_shop(*, code: str, name: str, city: str = "", address: str = "") -> Shop:
    shop, _ = Shop.objects.update_or_create(code=code, defaults={"name": name, "city": city, "address": address})
    till_account(shop)
    card_account(shop)
    return shop


def add_staff(*, shop: Shop, email: str, password: str, role: str, full_name: str = "") -> User:
    """A staff login for one shop, with the shop assistant or shop manager role (its other roles
    stay). Its own account: a customer's login never becomes a staff login (an existing customer
    e-mail is refused)."""
    if role not in (ASSISTANT, MANAGER):
        raise ValueError(f"role must be {ASSISTANT} or {MANAGER}")
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, full_name=full_name, is_staff=True)
    elif not StaffProfile.objects.filter(user=user).exists():
        raise ValueError(f"{email} is a customer account; staff accounts are separate")
    StaffProfile.objects.update_or_create(user=user, defaults={"shop": shop, "active": True})
    others = [each for each in roles_of(user) if each not in (SHOP_ASSISTANT, SHOP_MANAGER)]
    staff.set_roles(user=user, roles=[*others, SHOP_MANAGER if role == MANAGER else SHOP_ASSISTANT])
    return user


def line_target(line: Line) -> str:
    return f"line:{line.pk}"


def record_action(
    *, shop: Shop, staff: User, action: str, line: Line | None = None, ip_address: str | None, **details: object
) -> None:
    audit.record(
        action=action,
        target=line_target(line) if line is not None else f"shop:{shop.code}",
        user=staff,
        ip_address=ip_address,
        details={"shop": shop.code, **details},
    )


def identify_holder(
    *,
    shop: Shop,
    staff: User,
    line: Line,
    document_type: str,
    document_number: str,
    nationality: str,
    date_of_birth: date,
    ip_address: str | None,
) -> Identification:
    """A staff member checked the holder's document in person. The caller owns the transaction."""
    identification = identity.identify_holder(
        line=line,
        document_type=document_type,
        document_number=document_number,
        nationality=nationality,
        date_of_birth=date_of_birth,
        checked_by=staff,
        checked_where=f"shop:{shop.code}",
    )
    # The audit line says what was checked, never the document number.
    record_action(
        shop=shop,
        staff=staff,
        action="shop.holder_identified",
        line=line,
        ip_address=ip_address,
        document_type=document_type,
        identification=identification.pk,
    )
    return identification


@dataclass(frozen=True)
class CardPayment:
    reference: str
    authorisation_code: str
    card_label: str


def quote_at_counter(*, line: Line, product: Product, method: str, topup_amount: int | None = None) -> Quote:
    if method not in COUNTER_METHODS:
        raise NotPaidAtCounter()
    return quote_order(line=line, product=product, method=method, topup_amount=topup_amount, channel=Channel.SHOP)


def sell(
    *,
    shop: Shop,
    staff: User,
    line: Line,
    product: Product,
    method: str,
    topup_amount: int | None = None,
    language: str = "en",
    ip_address: str | None = None,
    card: CardPayment | None = None,
    quote: Quote | None = None,
) -> ShopSale:
    """Renew or top up at the counter, paid in cash (to the till) or by card (already charged on the
    terminal: `card`, for `quote`'s total). Fulfilled at once, at the price of `quote` (the one shown
    or charged; QuoteChanged if it no longer holds), or of a quote made now. The caller owns the
    transaction."""
    if not shop.active:
        raise ShopClosed()
    if method not in COUNTER_METHODS or (method == PaymentMethod.TERMINAL_CARD) != (card is not None):
        raise NotPaidAtCounter()
    account = till_account(shop) if method == PaymentMethod.CASH else card_account(shop)
    if quote is None:
        quote = quote_at_counter(line=line, product=product, method=method, topup_amount=topup_amount)
    elif quote.method != method or quote.line.pk != line.pk or quote.product.pk != product.pk:
        raise ValueError("the quote is for another sale")
    order = orders.place_order(quote=quote, customer=None, language=language, funding=Funding(account=account))
    sale = ShopSale.objects.create(
        shop=shop,
        staff=staff,
        order=order,
        method=method,
        amount=order.total_amount,
        currency=order.currency,
        terminal_reference=card.reference if card else "",
        authorisation_code=card.authorisation_code if card else "",
        card_label=card.card_label if card else "",
        client_address=ip_address,
        created_at=clock.now(),
    )
    record_action(
        shop=shop,
        staff=staff,
        action=f"shop.{order.kind}_sold",
        line=line,
        ip_address=ip_address,
        order=order.number,
        method=method,
        amount=order.total_amount,
    )
    return sale


def sell_by_card(
    *,
    shop: Shop,
    staff: User,
    line: Line,
    product: Product,
    terminal: PaymentTerminal,
    topup_amount: int | None = None,
    language: str = "en",
    ip_address: str | None = None,
) -> ShopSale:
    """Charge the card on the counter terminal, then sell. Owns its transactions (like a payment
    provider call, the charge cannot sit inside one): a decline writes nothing but an audit line;
    an approved charge whose sale is then refused is voided on the terminal."""
    quote = quote_at_counter(line=line, product=product, method=PaymentMethod.TERMINAL_CARD, topup_amount=topup_amount)
    reference = f"shop:{shop.pk}:{secrets.token_hex(8)}"
    result = terminal.charge(amount=quote.total_amount, currency=quote.currency, reference=reference)
    if not result.approved:
        with transaction.atomic():
            record_action(
                shop=shop,
                staff=staff,
                action="shop.card_declined",
                line=line,
                ip_address=ip_address,
                amount=quote.total_amount,
                reason=result.decline_reason,
            )
        raise CardDeclined()
    try:
        with transaction.atomic():
            return sell(
                shop=shop,
                staff=staff,
                line=line,
                product=product,
                method=PaymentMethod.TERMINAL_CARD,
                topup_amount=topup_amount,
                language=language,
                ip_address=ip_address,
                card=CardPayment(reference, result.authorisation_code, result.card_label),
                quote=quote,
            )
    except DomainError:
        terminal.void(reference=reference)
        raise


# --- Card on a Mollie terminal (PAYMENT_TERMINAL=mollie) -------------------------------------------


def start_card_sale(
    *,
    shop: Shop,
    staff: User,
    line: Line,
    product: Product,
    topup_amount: int | None = None,
    language: str = "en",
    ip_address: str | None = None,
) -> TerminalPayment:
    """Ask the counter's terminal for the quote's total; the sale is placed when the card is approved
    (settle_card_sale). Owns its transactions (a provider call sits between them)."""
    if not shop.active:
        raise ShopClosed()
    quote = quote_at_counter(line=line, product=product, method=PaymentMethod.TERMINAL_CARD, topup_amount=topup_amount)
    # A payment left waiting past its deadline (its page closed before it ran out) is cancelled as its
    # page would have (or placed, if its card was approved meanwhile); one still in time keeps the
    # terminal, and this sale is refused (TerminalBusy) until it is finished or cancelled.
    if shop.card_terminal is not None:
        for waiting in pointofsale.waiting_on(shop.card_terminal):
            if clock.now() >= waiting.deadline_at:
                check_card_sale(payment_id=waiting.pk)
    return pointofsale.start(
        terminal=shop.card_terminal,
        channel=pointofsale.SHOP,
        seller_id=shop.pk,
        staff=staff,
        line=line,
        product=product,
        topup_amount=topup_amount,
        amount=quote.total_amount,
        currency=quote.currency,
        description=f"{shop.name}: {product.name} {line.display}",
        language=language,
        client_address=ip_address,
    )


def _place_card_sale(payment: TerminalPayment) -> int:
    """The sale a paid terminal payment was started for, at the price charged (QuoteChanged if that
    no longer holds, and nothing is written)."""
    shop = Shop.objects.get(pk=payment.seller_id)
    line, product = payment.line, payment.product
    quote = quote_at_counter(
        line=line, product=product, method=PaymentMethod.TERMINAL_CARD, topup_amount=payment.topup_amount
    )
    if quote.total_amount != payment.amount or quote.currency != payment.currency:
        raise QuoteChanged()
    assert isinstance(payment.staff, User)
    sale = sell(
        shop=shop,
        staff=payment.staff,
        line=line,
        product=product,
        method=PaymentMethod.TERMINAL_CARD,
        topup_amount=payment.topup_amount,
        language=payment.language,
        ip_address=payment.client_address,
        # Mollie's payment id is what the payment is looked up by: it stands for the approval code.
        card=CardPayment(payment.reference, payment.provider_payment_id[:16], payment.card_label),
        quote=quote,
    )
    return sale.order_id


def _audit_unpaid(payment: TerminalPayment) -> None:
    if payment.outcome != TerminalOutcome.WAITING and payment.outcome != TerminalOutcome.PLACED and payment.staff:
        with transaction.atomic():
            record_action(
                shop=Shop.objects.get(pk=payment.seller_id),
                staff=payment.staff,
                action="shop.card_declined",
                line=payment.line,
                ip_address=payment.client_address,
                amount=payment.amount,
                reason=f"{payment.status} ({payment.outcome})",
            )


def _settled(before: TerminalPayment, after: TerminalPayment) -> TerminalPayment:
    if before.waiting and not after.waiting:
        _audit_unpaid(after)
    return after


def settle_card_sale(*, payment_id: int) -> TerminalPayment:
    """Apply the terminal payment's status at Mollie (the webhook's job). Call outside a transaction."""
    before = TerminalPayment.objects.get(pk=payment_id)
    return _settled(before, pointofsale.settle(payment_id, place=_place_card_sale, force=True))


def check_card_sale(*, payment_id: int) -> TerminalPayment:
    """What the waiting page asks on each refresh (rate-limited poll; cancelled past its deadline)."""
    before = TerminalPayment.objects.get(pk=payment_id)
    return _settled(before, pointofsale.check(payment_id, place=_place_card_sale))


def cancel_card_sale(*, payment_id: int) -> TerminalPayment:
    before = TerminalPayment.objects.get(pk=payment_id)
    return _settled(before, pointofsale.cancel(payment_id, place=_place_card_sale))
