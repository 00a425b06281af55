"""Provider webhooks: store in the inbox, answer at once, let a job fetch the real status."""

import re

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from simrenew.jobs.backend import enqueue_with_transaction
from simrenew.kiosks.tasks import settle_card_payment as settle_kiosk_card_payment
from simrenew.orders.tasks import process_webhook
from simrenew.payments.models import TerminalPayment, WebhookInbox
from simrenew.shops.tasks import settle_card_payment as settle_shop_card_payment

PAYMENT_ID = re.compile(r"^tr_[A-Za-z0-9]{4,40}$")


@csrf_exempt
@require_POST
def mollie_webhook(request: HttpRequest) -> HttpResponse:
    payment_id = request.POST.get("id", "")
    if not PAYMENT_ID.match(payment_id):
        return HttpResponse("unknown id", status=400, content_type="text/plain")
    with transaction.atomic():
        inbox = WebhookInbox.objects.create(provider="mollie", provider_payment_id=payment_id)
        inbox_id = inbox.pk
        enqueue_with_transaction(process_webhook, inbox_id)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def mollie_terminal_webhook(request: HttpRequest) -> HttpResponse:
    """A point-of-sale payment on a counter's or kiosk's terminal changed: a job settles it (fetches
    its status from Mollie and places the sale once it is paid)."""
    payment_id = request.POST.get("id", "")
    if not PAYMENT_ID.match(payment_id):
        return HttpResponse("unknown id", status=400, content_type="text/plain")
    found = TerminalPayment.objects.filter(provider_payment_id=payment_id).values_list("pk", "channel").first()
    if found is None:
        return HttpResponse(status=200)  # not ours (or already forgotten): nothing to do, as for Mollie
    pk, channel = found
    task = settle_kiosk_card_payment if channel == "kiosk" else settle_shop_card_payment
    task.enqueue(pk)
    return HttpResponse(status=200)
