"""Placing, paying and fulfilling orders. Callers own the transaction; lock order: line → order → payment."""

import logging
from datetime import datetime, timedelta

from django.db import transaction

from simrenew.brands.models import SETTLED_AT_ONCE, PaymentMethod
from simrenew.customers.models import User
from simrenew.jobs.backend import enqueue_with_transaction
from simrenew.kit import clock, rows
from simrenew.kit.codes import readable_code
from simrenew.kit.errors import DomainError
from simrenew.ledger import service as ledger
from simrenew.ledger.errors import InsufficientFunds
from simrenew.ledger.models import Journal
from simrenew.lines import bonus as line_bonus
from simrenew.lines import service as lines
from simrenew.orders import postings, quotes
from simrenew.orders.errors import OrderNotOpen, OrderNotVoidable, PaymentUnavailable
from simrenew.orders.models import Channel, Order, OrderKind, OrderStatus, Receipt
from simrenew.orders.quotes import Quote
from simrenew.orders.receipts import RECEIPT_NUMBER_LENGTH, RECEIPT_NUMBER_PREFIX, VERIFICATION_CODE_LENGTH
from simrenew.payments import checks
from simrenew.payments import provider as providers
from simrenew.payments import service as saved_payments
from simrenew.payments.models import Mandate, Payment, PaymentEvent, PaymentStatus
from simrenew.promotions import service as promotions

log = logging.getLogger(__name__)

FINAL_ORDER_STATUS = {
    providers.FAILED: OrderStatus.FAILED,
    providers.CANCELED: OrderStatus.CANCELLED,
    providers.EXPIRED: OrderStatus.EXPIRED,
}


def lock_order(order_id: int) -> Order:
    # of=("self",): lock the order row only. Without it PostgreSQL also locks the joined line, brand and
    # product rows, taking the line after the order (deadlocks with line → order) and serialising a brand.
    return (
        Order.objects.select_for_update(of=("self",)).select_related("line", "line__brand", "product").get(pk=order_id)
    )


def _new_number(prefix: str, length: int = 8) -> str:
    """A fresh order or receipt number. No look-up first: with 32^8 codes a clash is about one in a
    trillion per number in use, and the unique constraint refuses it (the sale is then retried)."""
    return f"{prefix}-{readable_code(length)}"


def place_order(
    *,
    quote: Quote,
    customer: User | None,
    language: str = "en",
    email: str = "",
    funding: postings.Funding | None = None,
    line_locked: bool = False,
) -> Order:
    """Create the order `quote` priced, after re-checking the quote (QuoteChanged if it moved).

    Paid from credit, or with money the channel already holds (`funding`: cash, a card
    terminal, a retailer's float, a voucher), it is inserted fulfilled and delivered at once in
    the caller's transaction, under the line's lock; otherwise it waits for `start_payment`. The
    quote's promotion is reserved for the order (OfferUnavailable if it ran out meanwhile) and
    given back if it is never paid.

    `line_locked`: the caller read `quote.line` with its lock in this transaction (a till's sale
    finds the line by number and locks it in one statement), so it is not locked again.
    """
    method = quote.method
    if (method in SETTLED_AT_ONCE) != (funding is not None):
        raise ValueError(f"method {method} and funding {funding} do not go together")
    settles_now = method == PaymentMethod.CREDIT or funding is not None
    # Lock the line before anything reads its balance (lock order: line → order).
    line = lines.lock_line(quote.line.pk) if settles_now and not line_locked else quote.line
    quotes.recheck(quote, line=line)
    now = clock.now()
    order = Order(
        number=_new_number("SR"),
        customer=customer,
        line=line,
        product=quote.product,
        kind=quote.kind,
        channel=quote.channel,
        method=method,
        list_amount=quote.list_amount,
        discount_amount=quote.discount_amount,
        fee_amount=quote.fee_amount,
        total_amount=quote.total_amount,
        vat_amount=quote.vat_amount,
        currency=quote.currency,
        language=language,
        email=email or (customer.email if customer else ""),
        created_at=now,
        promotion_label=quote.offer.label(language) if quote.offer is not None else "",
        bonus_amount=quote.bonus_amount,
    )
    credit = None  # the line's (bonus, paid credit) when they pay: read once, under the line's lock
    if settles_now:
        if method == PaymentMethod.CREDIT:
            line_bonus.expire_due(line=line, at=now)  # expired bonus cannot pay, even if not yet swept
            credit = postings.check_credit_covers(order)
        # Inserted in its final state: paid and fulfilled are one step for money already held.
        order.status, order.paid_at, order.fulfilled_at = OrderStatus.FULFILLED, now, now
    rows.insert(order)  # every sale writes one: a statement built once, not compiled per sale
    if quote.offer is not None and quote.purchase is not None:
        promotions.reserve(offer=quote.offer, order_id=order.pk, purchase=quote.purchase)
    if settles_now:
        _deliver(order=order, provider=None, funding=funding, at=now, credit=credit)
    return order


def start_payment(*, order: Order, redirect_url: str, webhook_url: str, save_mandate: bool = False) -> Payment:
    """Ask the provider for a payment (outside any transaction: it is an HTTP call), then record it.

    The provider's idempotency key is derived from our own ids, so a retried call can never
    create a second payment for the same attempt. With `save_mandate` (a customer's order) it is
    a first payment: paying it also saves the payment means for automatic renewals.
    """
    if order.status != OrderStatus.CREATED:
        raise OrderNotOpen()
    provider = providers.get_provider()
    attempt = order.payments.count() + 1
    sequence: dict[str, str] = {}
    try:
        if save_mandate and order.customer is not None:
            customer_id = saved_payments.provider_customer_id(
                customer_id=order.customer.pk,
                name=order.customer.full_name or order.customer.email,
                email=order.customer.email,
                provider_name=provider.name,
            )
            sequence = {"sequence_type": providers.FIRST, "customer_id": customer_id}
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
            **sequence,
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
            next_check_at=checks.first_check_at(),
        )
        locked.status = OrderStatus.AWAITING_PAYMENT
        locked.save(update_fields=["status"])
    return payment


def sync_payment(*, provider_name: str, provider_payment_id: str) -> Order | None:
    """Fetch a payment's real status from the provider and apply it, exactly once.

    Called by the webhook job, when the customer returns from checkout, and by the reconcile tick
    for payments nobody told us about; any number of concurrent or repeated calls end in one fulfilment.
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
        # A status seen before is not recorded twice (the unique constraint decides, no savepoint);
        # applying it again below is a no-op.
        PaymentEvent.objects.bulk_create(
            [PaymentEvent(provider=provider_name, provider_payment_id=provider_payment_id, status=remote.status)],
            ignore_conflicts=True,
        )
        changed = ["next_check_at"]
        if payment.status != PaymentStatus.PAID:
            payment.status = remote.status
            payment.details = remote.details or payment.details
            if remote.status == providers.PAID:
                payment.paid_at = clock.now()
            changed += ["status", "details", "paid_at", "updated_at"]
        if remote.status == providers.PAID:
            if order.status in (OrderStatus.CREATED, OrderStatus.AWAITING_PAYMENT):
                order.status = OrderStatus.PAID
                order.paid_at = clock.now()
                order.save(update_fields=["status", "paid_at"])
            if order.status == OrderStatus.PAID:
                _fulfil_or_refund(order=order, provider=provider_name)
            if remote.sequence_type == providers.FIRST and remote.mandate_id and order.customer_id:
                saved_payments.record_mandate(
                    customer_id=order.customer_id, provider_name=provider_name, payment=remote, method=order.method
                )
        elif remote.status in FINAL_ORDER_STATUS and order.is_open:
            _close_unpaid(order, FINAL_ORDER_STATUS[remote.status])
        # Ask again later while the order waits (a webhook may never come); stop once it is settled.
        payment.next_check_at = checks.next_check_at(waiting_since=order.created_at) if order.is_open else None
        payment.save(update_fields=changed)
    return order


def _fulfil_or_refund(*, order: Order, provider: str) -> None:
    """Deliver a paid order; if it can no longer be delivered (say the line was terminated
    between ordering and paying), close it as refunded and give the money back after commit."""
    try:
        with transaction.atomic():
            _fulfil_locked(order=order, provider=provider)
    except DomainError as refusal:
        log.warning("paid order %s cannot be fulfilled (%s): refunding", order.number, refusal.code)
        order.refresh_from_db()
        order.status = OrderStatus.REFUNDED
        order.closed_at = clock.now()
        order.save(update_fields=["status", "closed_at"])
        promotions.release(order_id=order.pk)
        from simrenew.orders.tasks import refund_undeliverable  # tasks import this module

        order_id = order.pk
        enqueue_with_transaction(refund_undeliverable, order_id)


def _close_unpaid(order: Order, status: str) -> None:
    """The order will never be paid: close it and give back the promotion it reserved."""
    order.status = status
    order.closed_at = clock.now()
    order.save(update_fields=["status", "closed_at"])
    promotions.release(order_id=order.pk)


def charge_mandate(*, order: Order, mandate: Mandate, webhook_url: str, idempotency_key: str) -> Payment:
    """Charge a customer's saved mandate for an order (auto-renew), once, and record the payment.

    Call outside any transaction (HTTP calls). A charge whose answer was lost (the process died
    after the provider took it) is found again among the customer's payments by its key before
    anything new is created, and the provider's idempotency key covers concurrent callers: one
    key, one charge. Raises ProviderRefused (e.g. the mandate is no longer valid) or ProviderError.
    """
    known = order.payments.exclude(provider_payment_id="").first()
    if known is not None:
        return known
    provider = providers.get_provider(mandate.provider)
    found = [
        payment
        for payment in provider.list_customer_payments(customer_id=mandate.provider_customer_id)
        if payment.metadata.get("charge") == idempotency_key
    ]
    remote = (
        found[0]
        if found
        else provider.create_recurring_payment(
            customer_id=mandate.provider_customer_id,
            mandate_id=mandate.provider_mandate_id,
            amount=order.total_amount,
            currency=order.currency,
            description=f"{order.number} {order.product.name_in(order.language)}",
            webhook_url=webhook_url,
            metadata={"order": order.number, "charge": idempotency_key},
            idempotency_key=idempotency_key,
        )
    )
    with transaction.atomic():
        locked = lock_order(order.pk)
        payment, _ = Payment.objects.get_or_create(
            provider=provider.name,
            provider_payment_id=remote.id,
            defaults={
                "order": locked,
                "method": order.method,
                "amount": remote.amount,
                "fee_amount": order.fee_amount,
                "currency": remote.currency,
                "status": remote.status,
                "details": remote.details,
                "next_check_at": checks.first_check_at(),
            },
        )
        if locked.status == OrderStatus.CREATED:
            locked.status = OrderStatus.AWAITING_PAYMENT
            locked.save(update_fields=["status"])
    return payment


def expire_abandoned_orders(*, before: datetime) -> int:
    """Orders created before `before` and never sent to payment (the provider was down, the
    customer left) expire and give back what promotions they reserved. Auto-renew orders are
    left to renewals, which charges them itself."""
    count = 0
    abandoned = (
        Order.objects.filter(status=OrderStatus.CREATED, created_at__lt=before, payments__isnull=True)
        .exclude(channel=Channel.AUTO)
        .values_list("pk", "line_id")
    )
    for order_id, line_id in list(abandoned[:500]):
        with transaction.atomic():
            lines.lock_line(line_id)
            order = lock_order(order_id)
            if order.status == OrderStatus.CREATED and not order.payments.exists():
                _close_unpaid(order, OrderStatus.EXPIRED)
                count += 1
    return count


def fail_unpaid_order(*, order_id: int) -> Order:
    """Close an order no payment will come for (its charge was refused). Caller owns the transaction."""
    order = lock_order(order_id)
    if order.is_open:
        _close_unpaid(order, OrderStatus.FAILED)
    return order


def _fulfil_locked(*, order: Order, provider: str | None, funding: postings.Funding | None = None) -> None:
    """Deliver what a paid order bought. The caller holds the line and order locks; a fulfilled
    order is left alone, and the unique journal key `order:{id}:fulfil` makes a second fulfilment
    impossible even so."""
    if order.status == OrderStatus.FULFILLED:
        return
    now = clock.now()
    order.status = OrderStatus.FULFILLED
    order.fulfilled_at = now
    order.save(update_fields=["status", "fulfilled_at"])
    _deliver(order=order, provider=provider, funding=funding, at=now)


def _deliver(
    *,
    order: Order,
    provider: str | None,
    funding: postings.Funding | None,
    at: datetime,
    credit: tuple[int, int] | None = None,
) -> None:
    """The fulfilment itself, for an order already marked fulfilled: the journal, the bonus, the
    bundle period, the credit's validity, the receipt and the confirmation (`credit`: see
    postings.fulfilment_entries)."""
    key = f"order:{order.pk}:fulfil"
    entries = postings.fulfilment_entries(order=order, provider=provider, funding=funding, credit=credit)
    order.fulfilment = ledger.post_journal(key=key, kind=f"{order.kind}_sale", entries=entries, memo=order.number)
    bonus_spent = -sum(e.amount for e in entries if e.account.code == order.line.bonus_account_code and e.amount < 0)
    if bonus_spent:
        line_bonus.consume(line=order.line, amount=bonus_spent)
    # Only an order that a promotion gave something reserved one (no query for the others).
    promoted = bool(order.discount_amount or order.bonus_amount)
    for redemption in promotions.redeem(order_id=order.pk) if promoted else []:
        if redemption.bonus_amount:
            grant = line_bonus.record_grant(
                line=order.line,
                amount=redemption.bonus_amount,
                expires_at=at + timedelta(days=redemption.promotion.bonus_validity_days),
                source_key=f"{key}:{redemption.pk}",
                at=at,
            )
            order.bonus_expires_at = min(filter(None, [order.bonus_expires_at, grant.expires_at]))
            order.save(update_fields=["bonus_expires_at"])
    if order.kind == OrderKind.BUNDLE:
        lines.add_bundle_period(line=order.line, product=order.product, order_id=order.pk, at=at)
    # A top-up or a renewal keeps the credit valid (and reactivates a line in grace or suspended).
    lines.extend_credit_validity(line=order.line, at=at)
    number = _new_number(RECEIPT_NUMBER_PREFIX, RECEIPT_NUMBER_LENGTH)
    rows.insert(
        Receipt(number=number, order=order, verification_code=readable_code(VERIFICATION_CODE_LENGTH), issued_at=at)
    )
    if order.email and order.channel != Channel.AUTO:
        from simrenew.orders.tasks import send_confirmation

        order_id = order.pk
        enqueue_with_transaction(send_confirmation, order_id)


def void_order(*, order_id: int) -> Order:
    """Reverse a fulfilled order while what it bought is unused (a sale voided at the till).

    Posts the exact reverse of the fulfilment journal (key `order:{id}:void`; postings are never
    edited), withdraws the bundle period, and marks the order refunded. OrderNotVoidable when the
    order is not fulfilled, its bundle started being used, or its top-up credit is no longer there
    (the ledger refuses to take the line's credit below zero). The credit validity a top-up extended
    stays extended. Caller owns the transaction; lock order line → order.
    """
    line = lines.lock_line(Order.objects.only("line_id").get(pk=order_id).line_id)
    order = lock_order(order_id)
    if order.status != OrderStatus.FULFILLED:
        raise OrderNotVoidable()
    fulfilment = Journal.objects.get(key=f"order:{order.pk}:fulfil")
    entries = [ledger.Entry(p.account, -p.amount) for p in fulfilment.postings.select_related("account")]
    if order.kind == OrderKind.BUNDLE and not lines.withdraw_unused_period(line=line, order_id=order.pk):
        raise OrderNotVoidable()
    try:
        ledger.post_journal(key=f"order:{order.pk}:void", kind=f"{order.kind}_void", entries=entries, memo=order.number)
    except InsufficientFunds as exc:
        raise OrderNotVoidable() from exc
    order.status = OrderStatus.REFUNDED
    order.closed_at = clock.now()
    order.save(update_fields=["status", "closed_at"])
    promotions.release(order_id=order.pk, voided=True)
    return order
