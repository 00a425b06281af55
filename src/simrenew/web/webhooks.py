"""Provider webhooks: store in the inbox, answer at once, let a job fetch the real status."""

import re

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from simrenew.orders.tasks import process_webhook
from simrenew.payments.models import WebhookInbox

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
        transaction.on_commit(lambda: process_webhook.enqueue(inbox_id))
    return HttpResponse(status=200)
