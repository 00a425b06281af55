"""Background jobs of payouts: named `payouts.<verb>`, taking ids, idempotent."""

from django.db import transaction
from django.tasks import task

from simrenew.notifications import service as notifications
from simrenew.payouts.models import LeftoverCreditRequest
from simrenew.payouts.service import notice_context

TEMPLATES = {"requested": "leftover_requested", "paid": "leftover_paid", "rejected": "leftover_rejected"}


@task()
def send_leftover_notice(request_id: int, event: str) -> bool:
    """payouts.send_leftover_notice: the customer's e-mail, in their language, that their request was
    received, paid or rejected. Sent under the request's lock and recorded with it: once per event."""
    template = TEMPLATES.get(event)
    if template is None:
        return False
    with transaction.atomic():
        request = (
            LeftoverCreditRequest.objects.select_for_update(of=("self",))
            .select_related("line", "line__brand")
            .get(pk=request_id)
        )
        sent = set(filter(None, request.notices_sent.split(",")))
        if event in sent or not request.email:
            return False
        notifications.send_email_now(
            to=request.email,
            template=template,
            context=notice_context(request),
            language=request.language,
            message_key=f"leftover:{request.pk}:{event}",
        )
        request.notices_sent = ",".join(sorted(sent | {event}))
        request.save(update_fields=["notices_sent"])
    return True
