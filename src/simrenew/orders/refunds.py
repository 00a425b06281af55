"""Refunds of paid online orders through the payment's provider (Mollie's Refunds API), in full or in part.

Decisions, in the order a refund meets them:

* Only a completed order paid online (a provider payment marked paid) is refunded here; a sale at a
  till is voided instead (orders.service.void_order). The sum of an order's refunds never exceeds its
  total: checked under the order's lock (lock order line → order), so two concurrent requests cannot
  over-refund. Every refund counts, failed ones too: their amount is still owed and is sent again.
* A refund takes back the order's price first, then its payment fee.
* Taking back what the order delivered ("reversal", the default): a bundle only whole, and only while
  unused (lines.withdraw_unused_period: not started, or no allowance consumed); a top-up's credit only
  as far as it is still on the line (never below zero: CreditSpent names what is left). When that is
  not possible, staff may refund *without taking back* (a goodwill refund, with its reason): the
  customer keeps what they got, and the refund is booked as less revenue and VAT.
* Ledger (orders.refund_postings): the refund's journal is posted in the transaction that records the
  refund and owes the amount to the customer (refunds payable); the provider is asked after commit by
  a job (retried while the provider is unreachable; one idempotency key per attempt); when the provider
  reports the refund refunded, the amount moves from refunds payable to the provider's clearing
  account. A refund that fails (or is cancelled at the provider) moves nothing: the customer is still
  owed the amount, what was taken back stays taken back, and staff send it again (`retry_refund`).
* Statuses follow Mollie's. Mollie calls the payment's webhook when one of its refunds changes; the
  webhook job then reads the payment's refunds (`sync_refunds`) and a status only moves forward.
"""

import logging

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import get_language

from simrenew.customers.models import User
from simrenew.jobs.backend import enqueue_with_transaction
from simrenew.kit import clock
from simrenew.kit.money import format_money
from simrenew.ledger import service as ledger
from simrenew.ledger.errors import DuplicateJournal, InsufficientFunds
from simrenew.lines import bonus as line_bonus
from simrenew.lines import service as lines
from simrenew.lines.models import Line
from simrenew.orders import postings, refund_postings
from simrenew.orders.errors import (
    BundleNotWhole,
    BundleUsed,
    CreditSpent,
    OrderNotRefundable,
    RefundAmountInvalid,
    RefundNotRetryable,
    RefundReasonMissing,
)
from simrenew.orders.models import REFUND_RANK, Order, OrderKind, OrderStatus, Refund, RefundStatus
from simrenew.orders.refund_postings import Split
from simrenew.orders.service import lock_order
from simrenew.payments import provider as providers
from simrenew.payments.models import Payment, PaymentStatus
from simrenew.promotions import service as promotions

log = logging.getLogger(__name__)

REASON_MAX = 500
FINAL = {RefundStatus.REFUNDED, RefundStatus.FAILED, RefundStatus.CANCELED}


def refund_payment(order: Order) -> Payment | None:
    """The provider payment a refund of this order goes back through: its latest paid one."""
    return order.payments.filter(status__in=[PaymentStatus.PAID, PaymentStatus.REFUNDED]).order_by("-id").first()


def refunded_amounts(order: Order) -> tuple[int, int]:
    """(price, fee) given back or owed by the order's refunds so far."""
    sums = order.refunds.aggregate(item=Sum("item_amount"), fee=Sum("fee_amount"))
    return int(sums["item"] or 0), int(sums["fee"] or 0)


def refundable_amount(order: Order) -> int:
    """What is left to refund of an order that can be refunded; 0 for any other order."""
    if order.status != OrderStatus.FULFILLED or refund_payment(order) is None:
        return 0
    item, fee = refunded_amounts(order)
    return max(order.total_amount - item - fee, 0)


def request_refund(
    *, order_id: int, amount: int, reason: str, actor: User | None, reverse_fulfilment: bool = True
) -> Refund:
    """Record a refund of `amount` cents of a paid online order, take back what it can and book it;
    the provider is asked after commit. Caller owns the transaction. Raises OrderNotRefundable,
    RefundAmountInvalid, RefundReasonMissing, BundleNotWhole, BundleUsed or CreditSpent, changing nothing."""
    reason = " ".join(reason.split())[:REASON_MAX]
    if not reason:
        raise RefundReasonMissing(field="reason")
    line = lines.lock_line(Order.objects.only("line_id").get(pk=order_id).line_id)
    order = lock_order(order_id)
    payment = refund_payment(order)
    if order.status != OrderStatus.FULFILLED or payment is None:
        raise OrderNotRefundable()
    item_before, fee_before = refunded_amounts(order)
    remaining = order.total_amount - item_before - fee_before
    if not 0 < amount <= remaining:
        raise RefundAmountInvalid(field="amount", remaining=format_money(remaining, order.currency, _language()))
    item = min(amount, order.price_amount - item_before)
    revenue_before = item_before
    if order.kind == OrderKind.TOPUP:
        booked = order.refunds.filter(reversed_fulfilment=False).aggregate(total=Sum("item_amount"))["total"]
        revenue_before = int(booked or 0)
    split = Split(
        item_before=item_before,
        fee_before=fee_before,
        item=item,
        fee=amount - item,
        reverse=False,
        revenue_before=revenue_before,
    )
    if reverse_fulfilment and item:
        split = _take_back(order=order, line=line, split=split)
    now = clock.now()
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        amount=amount,
        currency=order.currency,
        item_amount=split.item,
        fee_amount=split.fee,
        reversed_fulfilment=split.reverse,
        reason=reason,
        requested_by=actor,
        provider=payment.provider,
        created_at=now,
        updated_at=now,
    )
    try:
        ledger.post_journal(
            key=f"refund:{refund.pk}",
            kind=f"{order.kind}_refund",
            entries=refund_postings.refund_entries(order=order, split=split),
            memo=order.number,
        )
    except InsufficientFunds as exc:  # refused by the ledger: the caller rolls back what was taken back
        unspent = max(postings.line_balances(order)[1], 0)
        raise CreditSpent(field="amount", unspent=format_money(unspent, order.currency, _language())) from exc
    if amount == remaining:
        order.status = OrderStatus.REFUNDED
        order.closed_at = now
        order.save(update_fields=["status", "closed_at"])
    _queue_send(refund.pk, notice=True)
    return refund


def _take_back(*, order: Order, line: Line, split: Split) -> Split:
    """Reverse what the order delivered for the price part of `split`, or refuse (nothing changed yet)."""
    completes = split.item_before + split.item == order.price_amount
    bonus_back = 0
    if order.kind == OrderKind.BUNDLE:
        if not completes or split.item_before:
            raise BundleNotWhole(field="amount")
        if not lines.withdraw_unused_period(line=line, order_id=order.pk):
            raise BundleUsed()
    else:
        _, unspent = postings.line_balances(order)
        if split.item > unspent:
            raise CreditSpent(field="amount", unspent=format_money(max(unspent, 0), order.currency, _language()))
    if completes and order.bonus_amount:
        # The promotion's bonus that came with the order goes too, as far as it is unspent.
        bonus_balance, _ = postings.line_balances(order)
        bonus_back = min(order.bonus_amount, bonus_balance)
        if bonus_back:
            line_bonus.consume(line=line, amount=bonus_back)
    if completes:
        promotions.release(order_id=order.pk, voided=True)
    return Split(
        item_before=split.item_before,
        fee_before=split.fee_before,
        item=split.item,
        fee=split.fee,
        reverse=True,
        revenue_before=split.revenue_before,
        bonus_back=bonus_back,
    )


def _language() -> str:
    return get_language() or "en"


def _queue_send(refund_id: int, *, notice: bool) -> None:
    from simrenew.orders.tasks import send_refund, send_refund_notice  # tasks import this module

    enqueue_with_transaction(send_refund, refund_id)
    if notice:
        enqueue_with_transaction(send_refund_notice, refund_id, "created")


def retry_refund(*, refund_id: int, actor: User | None) -> Refund:
    """Send a failed or cancelled refund again, as a new attempt (a new idempotency key). Caller owns
    the transaction. What it took back stays taken back and its amount stays owed meanwhile."""
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if not refund.can_retry:
        raise RefundNotRetryable()
    refund.status = RefundStatus.REQUESTED
    refund.attempt += 1
    refund.provider_refund_id = ""
    refund.failure = ""
    refund.failed_at = None
    refund.updated_at = clock.now()
    refund.save(update_fields=["status", "attempt", "provider_refund_id", "failure", "failed_at", "updated_at"])
    log.info("refund %s of order %s sent again (attempt %s) by %s", refund.pk, refund.order_id, refund.attempt, actor)
    _queue_send(refund.pk, notice=False)
    return refund


def send_refund(refund_id: int) -> str:
    """Ask the provider for the refund (outside any transaction: an HTTP call). The idempotency key is
    the refund's and attempt's, so a job that runs twice creates one refund at the provider. A refusal
    (4xx) fails the attempt for staff to see; ProviderError (unreachable) propagates, and the job is
    retried."""
    refund = Refund.objects.select_related("order", "payment").get(pk=refund_id)
    if refund.status != RefundStatus.REQUESTED:
        return refund.status
    attempt = refund.attempt
    provider = providers.get_provider(refund.provider)
    try:
        remote = provider.refund(
            payment_id=refund.payment.provider_payment_id,
            amount=refund.amount,
            currency=refund.currency,
            idempotency_key=f"refund:{refund.pk}:attempt:{attempt}",
            description=f"{refund.order.number} refund",
            metadata={"refund": str(refund.pk), "attempt": str(attempt), "order": refund.order.number},
        )
    except providers.ProviderRefused as exc:
        log.warning("provider refused refund %s: %s", refund.pk, exc)
        with transaction.atomic():
            return _apply(refund_id, attempt=attempt, status=RefundStatus.FAILED, failure=str(exc)).status
    with transaction.atomic():
        return _apply(refund_id, attempt=attempt, status=remote.status, provider_refund_id=remote.id, sent=True).status


def sync_refunds(*, provider_name: str, provider_payment_id: str) -> int:
    """Read a payment's refunds at the provider and apply their statuses (the payment's webhook says
    one changed); returns how many of ours changed. Outside any transaction (an HTTP call)."""
    # One query when nothing is open (the common case: a payment's own status changed).
    if (
        not Refund.objects.filter(payment__provider=provider_name, payment__provider_payment_id=provider_payment_id)
        .exclude(status__in=FINAL)
        .exists()
    ):
        return 0
    payment = Payment.objects.get(provider=provider_name, provider_payment_id=provider_payment_id)
    changed = 0
    for remote in providers.get_provider(provider_name).list_refunds(payment_id=provider_payment_id):
        refund_id, attempt = remote.metadata.get("refund", ""), remote.metadata.get("attempt", "")
        if not (refund_id.isascii() and refund_id.isdigit() and attempt.isascii() and attempt.isdigit()):
            continue  # not one of ours (e.g. a refund made in the provider's dashboard)
        if not Refund.objects.filter(pk=int(refund_id), payment=payment).exists():
            continue
        with transaction.atomic():
            before = Refund.objects.get(pk=int(refund_id)).status
            after = _apply(int(refund_id), attempt=int(attempt), status=remote.status, provider_refund_id=remote.id)
        changed += after.status != before
    return changed


def _apply(
    refund_id: int,
    *,
    attempt: int,
    status: str,
    provider_refund_id: str = "",
    failure: str = "",
    sent: bool = False,
) -> Refund:
    """Move a refund to the provider's `status` if that is further on, once; news about an earlier
    attempt is ignored. Books the payout when it becomes refunded and queues the customer's e-mail
    when it ends. Caller owns the transaction."""
    refund = Refund.objects.select_for_update().select_related("payment").get(pk=refund_id)
    if refund.attempt != attempt or status not in RefundStatus.values:
        return refund
    now = clock.now()
    changed = ["updated_at"]
    if provider_refund_id and not refund.provider_refund_id:
        refund.provider_refund_id = provider_refund_id
        changed.append("provider_refund_id")
    if sent and refund.sent_at is None:
        refund.sent_at = now
        changed.append("sent_at")
    if refund.status in FINAL or REFUND_RANK[RefundStatus(status)] <= REFUND_RANK[RefundStatus(refund.status)]:
        if len(changed) > 1:
            refund.updated_at = now
            refund.save(update_fields=changed)
        return refund
    refund.status = status
    refund.updated_at = now
    changed.append("status")
    if status == RefundStatus.REFUNDED:
        refund.refunded_at = now
        changed.append("refunded_at")
        _book_payout(refund)
    elif status in (RefundStatus.FAILED, RefundStatus.CANCELED):
        refund.failed_at = now
        refund.failure = failure[:300]
        changed += ["failed_at", "failure"]
    refund.save(update_fields=changed)
    if status in FINAL:
        from simrenew.orders.tasks import send_refund_notice  # tasks import this module

        enqueue_with_transaction(send_refund_notice, refund_id, "final")
    return refund


def _book_payout(refund: Refund) -> None:
    """The provider paid the refund out: refunds payable → the provider's clearing account, once."""
    try:
        with transaction.atomic():
            ledger.post_journal(
                key=f"refund:{refund.pk}:paid",
                kind="refund_paid",
                entries=refund_postings.paid_out_entries(
                    provider=refund.provider, amount=refund.amount, currency=refund.currency
                ),
                memo=f"refund {refund.pk}",
            )
    except DuplicateJournal:
        pass  # booked before: the payout is booked once
