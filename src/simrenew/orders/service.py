"""Placing, paying and fulfilling orders. Callers own the transaction; lock order: line → order → payment."""

import logging

from django.db import IntegrityError, transaction

from simrenew.brands.models import SETTLED_AT_ONCE, PaymentMethod
from simrenew.catalog.models import Product
from simrenew.customers.models import User
from simrenew.kit import clock
from simrenew.kit.codes import readable_code
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal
from simrenew.lines import service as lines
from simrenew.lines.models import Line
from simrenew.orders import postings
from simrenew.orders.errors import OrderNotOpen, PaymentUnavailable
from simrenew.orders.models import Channel, Order, OrderKind, OrderStatus, Receipt
from simrenew.orders.quotes import quote_order
from simrenew.payments import provider as providers
from simrenew.payments.models import Payment, PaymentEvent, PaymentStatus

log = logging.getLogger(__name__)

FINAL_ORDER_STATUS = {
    providers.FAILED: OrderStatus.FAILED,
    providers.CANCELED: OrderStatus.CANCELLED,
    providers.EXPIRED: OrderStatus.EXPIRED,
}


def lock_order(order_id: int) -> Order:
    return Order.objects.select_for_update().select_related("line", "line__brand", "product").get(pk=order_id)


def _new_number(prefix: str, model: type[Order] | type[Receipt], length: int = 8) -> str:
    while True:
        number = f"{prefix}-{readable_code(length)}"
        if not model.objects.filter(number=number).exists():
            return number


def place_order(
    *,
    customer: User | None,
    line: Line,
    product: Product,
    method: str,
    channel: str = Channel.WEB,
    topup_amount: int | None = None,
    language: str = "en",
    email: str = "",
    funding: postings.Funding | None = None,
) -> Order:
    """Create an order at the quoted price.

    Paid from credit, or with money the channel already holds (`funding`: cash, a card
    terminal, a retailer's float, a voucher), it is fulfilled at once in the caller's
    transaction; otherwise it waits for `start_payment`.
    """
    if (method in SETTLED_AT_ONCE) != (funding is not None):
        raise ValueError(f"method {method} and funding {funding} do not go together")
    quote = quote_order(line=line, product=product, method=method, topup_amount=topup_amount)
    settles_now = method == PaymentMethod.CREDIT or funding is not None
    if settles_now:
        # Lock the line before anything reads its balance (lock order: line → order).
        line = lines.lock_line(line.pk)
    order = Order.objects.create(
        number=_new_number("SR", Order),
        customer=customer,
        line=line,
        product=product,
        kind=quote.kind,
        channel=channel,
        method=method,
        list_amount=quote.list_amount,
        discount_amount=quote.discount_amount,
        fee_amount=quote.fee_amount,
        total_amount=quote.total_amount,
        vat_amount=quote.vat_amount,
        currency=quote.currency,
        language=language,
        email=email or (customer.email if customer else ""),
        created_at=clock.now(),
    )
    if settles_now:
        if method == PaymentMethod.CREDIT:
            postings.check_credit_covers(order)
        order.status = OrderStatus.PAID
        order.paid_at = clock.now()
        order.save(update_fields=["status", "paid_at"])
        _fulfil_locked(order=order, provider=None, funding=funding)
    return order


def start_payment(*, order: Order, redirect_url: str, webhook_url: str) -> Payment:
    """Ask the provider for a payment (outside any transaction: it is an HTTP call), then record it.

    The provider's idempotency key is derived from our own ids, so a retried call can never
    create a second payment for the same attempt.
    """
    if order.status != OrderStatus.CREATED:
        raise OrderNotOpen()
    provider = providers.get_provider()
    attempt = order.payments.count() + 1
    try:
        created = provider.create_payment(
            amount=order.total_amount,
            currency=order.currency,
            description=f"{order.number} {order.product.name_in(order.language)}",
            method=order.method,
            redirect_url=redirect_url,
            webhook_url=webhook_url,
            metadata={"order": order.number},
            idempotency_key=f"order:{order.pk}:payment:{attempt}",
            locale=order.language,
        )
    except providers.ProviderError as exc:
        log.warning("payment provider refused order %s: %s", order.number, exc)
        raise PaymentUnavailable() from exc
    with transaction.atomic():
        locked = lock_order(order.pk)
        if locked.status != OrderStatus.CREATED:
            raise OrderNotOpen()
        payment = Payment.objects.create(
            order=locked,
            provider=provider.name,
            provider_payment_id=created.id,
            method=order.method,
            amount=created.amount,
            fee_amount=order.fee_amount,
            currency=created.currency,
            status=created.status,
            checkout_url=created.checkout_url or "",
            details=created.details,
        )
        locked.status = OrderStatus.AWAITING_PAYMENT
        locked.save(update_fields=["status"])
    return payment


def sync_payment(*, provider_name: str, provider_payment_id: str) -> Order | None:
    """Fetch a payment's real status from the provider and apply it, exactly once.

    Called by the webhook job and when the customer returns from checkout; any number of
    concurrent or repeated calls end in one fulfilment.
    """
    payment = Payment.objects.filter(provider=provider_name, provider_payment_id=provider_payment_id).first()
    if payment is None:
        return None  # not ours (or not yet recorded): nothing to do
    remote = providers.get_provider(provider_name).get_payment(provider_payment_id)
    with transaction.atomic():
        order_row = Order.objects.only("line_id").get(pk=payment.order_id)
        lines.lock_line(order_row.line_id)
        order = lock_order(payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        try:
            with transaction.atomic():
                PaymentEvent.objects.create(
                    provider=provider_name, provider_payment_id=provider_payment_id, status=remote.status
                )
        except IntegrityError:
            pass  # this status was seen before; applying it again below is a no-op
        if payment.status != PaymentStatus.PAID:
            payment.status = remote.status
            payment.details = remote.details or payment.details
            if remote.status == providers.PAID:
                payment.paid_at = clock.now()
            payment.save(update_fields=["status", "details", "paid_at", "updated_at"])
        if remote.status == providers.PAID:
            if order.status in (OrderStatus.CREATED, OrderStatus.AWAITING_PAYMENT):
                order.status = OrderStatus.PAID
                order.paid_at = clock.now()
                order.save(update_fields=["status", "paid_at"])
            if order.status == OrderStatus.PAID:
                _fulfil_locked(order=order, provider=provider_name)
        elif remote.status in FINAL_ORDER_STATUS and order.is_open:
            order.status = FINAL_ORDER_STATUS[remote.status]
            order.closed_at = clock.now()
            order.save(update_fields=["status", "closed_at"])
    return order


def _fulfil_locked(*, order: Order, provider: str | None, funding: postings.Funding | None = None) -> None:
    """Deliver what was bought. The caller holds the line and order locks; the unique journal
    key `order:{id}:fulfil` makes a second fulfilment impossible."""
    key = f"order:{order.pk}:fulfil"
    if order.status == OrderStatus.FULFILLED or Journal.objects.filter(key=key).exists():
        return
    now = clock.now()
    ledger.post_journal(
        key=key,
        kind=f"{order.kind}_sale",
        entries=postings.fulfilment_entries(order=order, provider=provider, funding=funding),
        memo=order.number,
    )
    if order.kind == OrderKind.BUNDLE:
        lines.add_bundle_period(line=order.line, product=order.product, order_id=order.pk, at=now)
    else:
        lines.extend_credit_validity(line=order.line, at=now)
    order.status = OrderStatus.FULFILLED
    order.fulfilled_at = now
    order.save(update_fields=["status", "fulfilled_at"])
    Receipt.objects.create(
        number=_new_number("R", Receipt, 10), order=order, verification_code=readable_code(8), issued_at=now
    )
    from simrenew.orders.tasks import send_confirmation

    order_id = order.pk
    transaction.on_commit(lambda: send_confirmation.enqueue(order_id))
