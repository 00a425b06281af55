"""Background jobs of orders: named `orders.<verb>`, taking ids, idempotent."""

import logging

from django.db import transaction
from django.tasks import task

from simrenew.kit import clock
from simrenew.notifications import service as notifications
from simrenew.orders import service
from simrenew.orders.models import Channel
from simrenew.orders.receipts import confirmation_context
from simrenew.payments.models import WebhookInbox

log = logging.getLogger(__name__)


@task()
def process_webhook(inbox_id: int) -> str:
    """orders.process_webhook: fetch the payment's real status and apply it (exactly once)."""
    inbox = WebhookInbox.objects.get(pk=inbox_id)
    if inbox.processed_at is not None:
        return inbox.outcome
    order = service.sync_payment(provider_name=inbox.provider, provider_payment_id=inbox.provider_payment_id)
    outcome = order.status if order is not None else "unknown_payment"
    WebhookInbox.objects.filter(pk=inbox_id).update(processed_at=clock.now(), outcome=outcome)
    return outcome


@task()
def send_confirmation(order_id: int) -> bool:
    """orders.send_confirmation: the confirmation e-mail with the receipt, sent once per order."""
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
        )
        order.confirmation_sent_at = clock.now()
        order.save(update_fields=["confirmation_sent_at"])
    return True
