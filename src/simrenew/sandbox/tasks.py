"""Background jobs of the sandbox: named `sandbox.<verb>`, taking ids.

Mollie's webhook carries only the payment id, form-encoded; the receiver must fetch the payment to
learn its status. Anything but a 2xx answer counts as a failure and is retried later, as Mollie does.
"""

import logging
from datetime import timedelta

import requests
from django.conf import settings
from django.tasks import task

from simrenew.kit import clock
from simrenew.sandbox.models import SandboxPayment, SandboxWebhookCall

log = logging.getLogger(__name__)

# Mollie retries for about a day; the sandbox gives up sooner, a tester is watching.
RETRY_DELAYS = (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5))


@task()
def deliver_webhook(payment_id: str, attempt: int = 1) -> int | None:
    """sandbox.deliver_webhook: POST id=tr_… to the payment's webhookUrl; returns the HTTP status."""
    payment = SandboxPayment.objects.filter(public_id=payment_id).first()
    if payment is None or not payment.webhook_url:
        return None
    status_code: int | None = None
    error = ""
    try:
        response = requests.post(
            payment.webhook_url,
            data={"id": payment.public_id},
            headers={"User-Agent": "Mollie sandbox webhook (simrenew)"},
            timeout=getattr(settings, "SANDBOX_WEBHOOK_TIMEOUT", (3, 10)),
            # Mollie does not follow redirects: a webhook URL that redirects is a broken one.
            allow_redirects=False,
        )
        status_code = response.status_code
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    call = SandboxWebhookCall.objects.create(
        payment=payment,
        url=payment.webhook_url,
        attempt=attempt,
        status_code=status_code,
        error=error,
        called_at=clock.now(),
    )
    if not call.ok:
        _retry(payment_id, attempt, status_code or error)
    return status_code


def _retry(payment_id: str, attempt: int, outcome: object) -> None:
    backend = deliver_webhook.get_backend()
    # The immediate backend (tests, some dev setups) cannot run a job later, so there is one attempt.
    if attempt > len(RETRY_DELAYS) or not backend.supports_defer:
        log.warning("Sandbox webhook for %s failed (attempt %s, %s); giving up", payment_id, attempt, outcome)
        return
    log.info("Sandbox webhook for %s failed (attempt %s, %s); retrying", payment_id, attempt, outcome)
    run_after = clock.now() + RETRY_DELAYS[attempt - 1]
    deliver_webhook.using(run_after=run_after).enqueue(payment_id, attempt + 1)


@task()
def settle_recurring(payment_id: str) -> str | None:
    """sandbox.settle_recurring: a recurring charge ends as its mandate's next outcome says."""
    from simrenew.sandbox import service  # service imports this module for its jobs

    payment = service.settle(payment_id)
    return payment.status if payment is not None else None
