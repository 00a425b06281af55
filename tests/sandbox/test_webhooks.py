"""Status changes are pushed as Mollie does: a form-encoded `id=tr_…` POST to the webhookUrl."""

import re

import pytest
import requests
from django.tasks import task_backends
from django.tasks.backends.dummy import DummyBackend

from simrenew.sandbox import service
from simrenew.sandbox.models import SandboxWebhookCall
from simrenew.sandbox.tasks import deliver_webhook
from tests.sandbox.helpers import payment_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_checkout_choice_posts_webhook_over_http(mollie, live_server, webhook_receiver):
    payment = mollie.payments.create(payment_data(webhookUrl=webhook_receiver.url))
    browser = requests.Session()

    # The tester's browser: load the checkout page, then press "Paid" with the form's CSRF token.
    page = browser.get(payment.checkout_url, timeout=10)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match is not None
    token = match.group(1)
    response = browser.post(
        payment.checkout_url,
        data={"csrfmiddlewaretoken": token, "status": "paid"},
        headers={"Referer": payment.checkout_url},
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "https://shop.example/return/42/"
    assert webhook_receiver.calls == [
        {
            "path": "/payments/webhooks/mollie/",
            "content_type": "application/x-www-form-urlencoded",
            "form": {"id": [payment.id]},
        }
    ]
    assert mollie.payments.get(payment.id).status == "paid"
    call = SandboxWebhookCall.objects.get()
    assert call.ok
    assert call.status_code == 200


def test_every_status_change_is_posted_but_not_a_repeat(webhook_receiver):
    payment = service.create_payment(payment_data(method="banktransfer", webhookUrl=webhook_receiver.url))

    service.set_status(payment.public_id, "open")  # no change, no webhook
    service.set_status(payment.public_id, "paid")

    assert [call["form"] for call in webhook_receiver.calls] == [{"id": [payment.public_id]}]


def test_no_webhook_url_no_call(webhook_receiver):
    payment = service.create_payment(payment_data())

    service.set_status(payment.public_id, "failed")

    assert webhook_receiver.calls == []
    assert not SandboxWebhookCall.objects.exists()


def test_failed_delivery_is_recorded_and_does_not_break_the_checkout(client, webhook_receiver):
    webhook_receiver.status = 500
    payment = service.create_payment(payment_data(webhookUrl=webhook_receiver.url))

    response = client.post(f"/sandbox/mollie/checkout/{payment.public_id}/", {"status": "paid"})

    assert response.status_code == 302
    call = SandboxWebhookCall.objects.get()
    assert (call.status_code, call.ok, call.attempt) == (500, False, 1)


def test_failing_webhook_is_retried_later_where_the_backend_can_defer(settings, webhook_receiver):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    webhook_receiver.status = 503
    payment = service.create_payment(payment_data(webhookUrl=webhook_receiver.url))
    service.set_status(payment.public_id, "paid")
    backend = task_backends["default"]
    assert isinstance(backend, DummyBackend)
    assert [(result.args, result.kwargs) for result in backend.results] == [([payment.public_id], {"status_change": 1})]

    deliver_webhook.call(payment.public_id, status_change=1)

    retry = backend.results[-1]
    assert (retry.args, retry.kwargs) == ([payment.public_id], {"status_change": 1, "attempt": 2})
    assert retry.task.run_after is not None
    assert SandboxWebhookCall.objects.get().status_code == 503


def test_each_status_change_is_a_delivery_of_its_own(webhook_receiver):
    webhook_receiver.status = 500
    payment = service.create_payment(payment_data(method="banktransfer", webhookUrl=webhook_receiver.url))

    service.set_status(payment.public_id, "pending")
    service.set_status(payment.public_id, "paid")

    assert len(webhook_receiver.calls) == 2
    calls = SandboxWebhookCall.objects.order_by("pk")
    assert [(call.status_change, call.attempt, call.status_code) for call in calls] == [(1, 1, 500), (2, 1, 500)]
