"""Background jobs of the sandbox: named `sandbox.<verb>`, taking ids.

Mollie's webhook carries only the payment id, form-encoded; the receiver must fetch the payment to
learn its status. Anything but a 2xx answer counts as a failure and is tried again later on Mollie's
schedule, until the receiver answers or the tenth attempt has failed.
"""

import logging
from datetime import timedelta

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from simrenew.kit import clock
from simrenew.sandbox.models import SandboxPayment, SandboxWebhookCall

log = logging.getLogger(__name__)

# Mollie's retry schema (docs.mollie.com, Webhooks, "Retry schema"): "In total we will call your
# webhook 10 times with an increasing interval", the first call right after the status change, the
# next ones after waiting 1, 2, 4, 8, 16 and 29 minutes, then 1, 2 and 22 hours: the tenth call is 26
# hours after the change, then Mollie stops trying. RETRY_DELAYS[n - 1] is the wait after attempt n.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=4),
    timedelta(minutes=8),
    timedelta(minutes=16),
    timedelta(minutes=29),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=22),
)
ATTEMPTS = len(RETRY_DELAYS) + 1
# Mollie counts a call that has not answered after 15 seconds as failed. The connection itself must
# open sooner: with the immediate backend the tester's checkout request waits for the call.
TIMEOUT = (3, 15)


@task()
def deliver_webhook(payment_id: str, *, status_change: int = 0, attempt: int = 1) -> int | None:
    """sandbox.deliver_webhook: POST id=tr_… to the payment's webhookUrl; returns the HTTP status.

    One job per attempt at delivering one status change. Running a job again (its worker died and
    the queue handed it to another) is harmless: an attempt already recorded is not made again, and
    its retry was queued in the same transaction as the record."""
    payment = SandboxPayment.objects.filter(public_id=payment_id).first()
    if payment is None or not payment.webhook_url:
        return None
    made = SandboxWebhookCall.objects.filter(payment=payment, status_change=status_change, attempt=attempt).first()
    if made is not None:
        log.info("Sandbox webhook for %s, attempt %s, was made already; not again", payment_id, attempt)
        return made.status_code
    status_code, error = _post(payment)
    _record(payment, status_change=status_change, attempt=attempt, status_code=status_code, error=error)
    return status_code


def _post(payment: SandboxPayment) -> tuple[int | None, str]:
    try:
        response = requests.post(
            payment.webhook_url,
            data={"id": payment.public_id},
            headers={"User-Agent": "Mollie sandbox webhook (simrenew)"},
            timeout=getattr(settings, "SANDBOX_WEBHOOK_TIMEOUT", TIMEOUT),
            # Mollie does not follow redirects: a webhook URL that redirects is a broken one.
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return response.status_code, ""


def _record(payment: SandboxPayment, *, status_change: int, attempt: int, status_code: int | None, error: str) -> None:
    """Record the call and queue the next attempt together. On a database queue both rows commit or
    neither does, so a re-run job finds the record exactly when the retry is already queued."""
    try:
        with transaction.atomic():
            call = SandboxWebhookCall.objects.create(
                payment=payment,
                url=payment.webhook_url,
                status_change=status_change,
                attempt=attempt,
                status_code=status_code,
                error=error,
                called_at=clock.now(),
            )
            if not call.ok:
                _retry(call)
    except IntegrityError:
        # Two runs of this job made the call at the same time; the one that recorded it first retries.
        log.info("Sandbox webhook for %s, attempt %s, was recorded by another run", payment.public_id, attempt)


def _retry(call: SandboxWebhookCall) -> None:
    payment_id, outcome = call.payment.public_id, call.status_code or call.error
    # The immediate backend (tests, some dev setups) cannot run a job later, so there is one attempt.
    if call.attempt >= ATTEMPTS or not deliver_webhook.get_backend().supports_defer:
        log.warning("Sandbox webhook for %s failed (attempt %s, %s); giving up", payment_id, call.attempt, outcome)
        return
    delay = RETRY_DELAYS[call.attempt - 1]
    log.info("Sandbox webhook for %s failed (attempt %s, %s); retrying in %s", payment_id, call.attempt, outcome, delay)
    # The queue runs jobs by the real clock, which the demo clock runs ahead of.
    run_after = timezone.now() + delay
    deliver_webhook.using(run_after=run_after).enqueue(
        payment_id, status_change=call.status_change, attempt=call.attempt + 1
    )


@task()
def settle_recurring(payment_id: str) -> str | None:
    """sandbox.settle_recurring: a recurring charge ends as its mandate's next outcome says."""
    from simrenew.sandbox import service  # service imports this module for its jobs

    payment = service.settle(payment_id)
    return payment.status if payment is not None else None


@task()
def settle_refund(payment_id: str, refund_id: str) -> str | None:
    """sandbox.settle_refund: a pending refund ends as its payment's refund outcome says."""
    from simrenew.sandbox import service  # service imports this module for its jobs

    refund = service.settle_pending_refund(payment_id, refund_id)
    return refund.status if refund is not None else None
