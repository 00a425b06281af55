"""Background jobs of orders: named `orders.<verb>`, taking ids, idempotent."""

import logging

from django.db import transaction
from django.tasks import task

from simrenew.kit import clock
from simrenew.notifications import service as notifications
from simrenew.orders import refunds, service
from simrenew.orders.models import Channel, Order, OrderStatus, Refund, RefundStatus
from simrenew.orders.receipts import confirmation_context
from simrenew.payments import provider as providers
from simrenew.payments.models import Payment, WebhookInbox

log = logging.getLogger(__name__)


# Ahead of notices and confirmations: a customer is waiting for what they paid for.
@task(priority=10)
def process_webhook(inbox_id: int) -> str:
    """orders.process_webhook: fetch the payment's real status and apply it (exactly once)."""
    inbox = WebhookInbox.objects.get(pk=inbox_id)
    if inbox.processed_at is not None:
        return inbox.outcome
    order = service.sync_payment(provider_name=inbox.provider, provider_payment_id=inbox.provider_payment_id)
    # Mollie calls the payment's webhook when one of its refunds changes too.
    refunds.sync_refunds(provider_name=inbox.provider, provider_payment_id=inbox.provider_payment_id)
    outcome = order.status if order is not None else "unknown_payment"
    WebhookInbox.objects.filter(pk=inbox_id).update(processed_at=clock.now(), outcome=outcome)
    return outcome


@task()
def send_confirmation(order_id: int) -> bool:
    """orders.send_confirmation: the confirmation e-mail with the receipt, sent once per order.

    Sent while holding the order's lock and recorded in the same transaction: at least once (a send
    interrupted before the commit is sent again, by a retry or orders.reconcile) and never by two
    workers at once. A repeat carries the same Message-ID, so it reads as the same message.
    """
    with transaction.atomic():
        order = service.lock_order(order_id)
        if order.confirmation_sent_at is not None or not order.email:
            return False
        if order.channel == Channel.AUTO:
            return False  # auto-renew's own notice (renewals) carries the receipt
        notifications.send_email_now(
            to=order.email,
            template="order_confirmation",
            context=confirmation_context(order),
            language=order.language,
            message_key=f"order:{order.pk}:confirmation",
        )
        order.confirmation_sent_at = clock.now()
        order.save(update_fields=["confirmation_sent_at"])
    return True


@task()
def refund_undeliverable(order_id: int) -> str:
    """orders.refund_undeliverable: give back the payment of a paid order that could not be delivered.

    The provider's idempotency key is derived from the order, so running this twice refunds once.
    """
    order = Order.objects.get(pk=order_id)
    payment = order.payments.filter(status="paid").order_by("-id").first()
    if order.status != OrderStatus.REFUNDED or payment is None:
        return "nothing_to_refund"
    provider = providers.get_provider(payment.provider)
    refund = provider.refund(
        payment_id=payment.provider_payment_id,
        amount=payment.amount,
        currency=payment.currency,
        idempotency_key=f"order:{order_id}:refund",
    )
    Payment.objects.filter(pk=payment.pk).update(status="refunded")
    return refund.status


@task()
def send_refund(refund_id: int) -> str:
    """orders.send_refund: ask the provider for a recorded refund (one provider refund per attempt,
    however often this runs); raises while the provider cannot be reached, so the job is retried."""
    return refunds.send_refund(refund_id)


REFUND_TEMPLATES = {
    RefundStatus.REFUNDED: "refund_refunded",
    RefundStatus.FAILED: "refund_failed",
    RefundStatus.CANCELED: "refund_failed",
}


@task()
def send_refund_notice(refund_id: int, event: str) -> bool:
    """orders.send_refund_notice: the customer's e-mail, in the order's language, that a refund was
    made ("created") or how it ended ("final": refunded, or failed and being looked at). Sent under the
    refund's lock and recorded with it: once per refund, and once per final status an attempt reaches."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        order = Order.objects.select_related("product", "line").get(pk=refund.order_id)
        if not order.email:
            return False
        if event == "created":
            if refund.created_notice_sent_at is not None:
                return False
            template = "refund_created"
        else:
            template = REFUND_TEMPLATES.get(RefundStatus(refund.status), "")
            if not template or refund.final_notice_status == f"{refund.attempt}:{refund.status}"[:12]:
                return False
        notifications.send_email_now(
            to=order.email,
            template=template,
            context={"order": order, "refund": refund, "product_name": order.product.name_in(order.language)},
            language=order.language,
            message_key=f"refund:{refund.pk}:{event}:{refund.attempt}:{refund.status}",
        )
        if event == "created":
            refund.created_notice_sent_at = clock.now()
        else:
            refund.final_notice_status = f"{refund.attempt}:{refund.status}"[:12]
        refund.save(update_fields=["created_notice_sent_at", "final_notice_status"])
    return True
