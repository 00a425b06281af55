"""An e-mail with how to pay an open bank transfer, sent when the transfer is started.

Someone paying by bank transfer leaves our site to pay from their banking app, often later: the
e-mail carries the amount, IBAN, BIC and structured reference, and a link back to the order page
(with its key when no account bought it), where the EPC QR code is. Sent once per payment: the
payment's details record when it went out, under the payment's row lock.
"""

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from simrenew.notifications import service as notifications
from simrenew.orders import access
from simrenew.orders.models import OrderStatus
from simrenew.payments.epc_qr import grouped_iban
from simrenew.payments.models import Payment

SENT = "instructions_sent_at"


@task()
def send_transfer_instructions(payment_id: int) -> bool:
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("order", "order__product", "order__line")
            .get(pk=payment_id)
        )
        order = payment.order
        details = payment.details or {}
        if not order.email or details.get(SENT) or order.status != OrderStatus.AWAITING_PAYMENT:
            return False
        if not details.get("bank_account") or not details.get("transfer_reference"):
            return False
        notifications.send_email_now(
            to=order.email,
            template="transfer_instructions",
            context={
                "order": order,
                "product_name": order.product.name_in(order.language),
                "amount": payment.amount,
                "currency": payment.currency,
                "iban": grouped_iban(details["bank_account"]),
                "bic": details.get("bank_bic", ""),
                "beneficiary": details.get("bank_name", ""),
                "reference": details["transfer_reference"],
                "order_url": access.order_url(order, order.language)
                if order.customer_id is None
                else access.plain_order_url(order, order.language),
                "guest": order.customer_id is None,
                "language": order.language,
            },
            language=order.language,
            message_key=f"payment:{payment.pk}:transfer-instructions",
        )
        payment.details = {**details, SENT: timezone.now().isoformat()}
        payment.save(update_fields=["details"])
    return True
