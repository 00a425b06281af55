"""Refunds end to end: the official Mollie client against the sandbox on a live server, the sandbox
calling the payment's webhook as each refund moves on, and the webhook job reading the refunds back."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client as WebClient
from django.urls import reverse
from mollie.api.client import Client
from mollie.api.error import UnprocessableEntityError
from mollie.api.objects.payment import Payment as MolliePayment
from mollie.api.resources.refunds import PaymentRefunds

from simrenew.kit import clock
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, Journal
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders import reconcile, refunds
from simrenew.orders.models import Order, OrderStatus, Refund, RefundStatus
from simrenew.sandbox import service as sandbox
from simrenew.sandbox.models import SandboxPayment, SandboxRefund
from tests.refunds.factories import paid_through_sandbox
from tests.sandbox.helpers import TEST_KEY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, settings) -> str:
    settings.SITE_URL = settings.PUBLIC_URL = live_server.url
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    settings.MOLLIE_API_KEY = TEST_KEY
    return live_server.url


def refund(order: Order, amount: int) -> Refund:
    with transaction.atomic():
        made = refunds.request_refund(order_id=order.pk, amount=amount, reason="Bought by mistake", actor=None)
    made.refresh_from_db()
    return made


def mails_to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=OutboxKind.EMAIL, recipient=address).order_by("pk"))


def payable() -> int:
    return ledger.balance(Account.objects.get(code="platform:refunds_payable"))


def test_a_refund_goes_pending_then_refunded_by_webhook_and_is_paid_out_once(site):
    order = paid_through_sandbox(site, language="nl")
    remote_payment = SandboxPayment.objects.get()

    made = refund(order, 1500)

    assert made.status == RefundStatus.REFUNDED  # the sandbox settled it and called the webhook
    assert made.provider_refund_id.startswith("re_")
    remote = SandboxRefund.objects.get(public_id=made.provider_refund_id)
    assert (remote.status, remote.amount_value, remote.metadata["refund"]) == ("refunded", 15, str(made.pk))
    assert remote_payment.webhook_calls.filter(status_code=200).count() >= 2  # paid, then the refund
    assert Journal.objects.filter(key=f"refund:{made.pk}:paid").count() == 1
    assert payable() == 0
    assert ledger.verify() == []

    # Mollie may call again: nothing is booked twice.
    mollie = Client(api_endpoint=site + "/sandbox/mollie")
    mollie.set_api_key(TEST_KEY)
    paid = mollie.payments.get(remote_payment.public_id)
    assert paid.amount_refunded == {"currency": "EUR", "value": "15.00"}
    assert paid.amount_remaining == {"currency": "EUR", "value": "5.00"}
    assert WebClient().post(reverse("mollie_webhook"), {"id": remote_payment.public_id}).status_code == 200
    assert Journal.objects.filter(key=f"refund:{made.pk}:paid").count() == 1

    # The customer's e-mails, in the order's language (Dutch money format: € 15,00).
    mails = mails_to("refund-me@example.be")
    refund_mails = [mail for mail in mails if made.order.number in mail.subject and "15,00" in mail.subject]
    assert len(refund_mails) == 2, [mail.subject for mail in mails]
    assert all("€\xa015,00" in mail.body and mail.body.startswith("Hallo,") for mail in refund_mails)


def test_a_failed_refund_stays_owed_is_shown_and_is_sent_again(site):
    order = paid_through_sandbox(site)
    remote_payment = SandboxPayment.objects.get()
    sandbox.set_refund_outcome(remote_payment.public_id, "failed")

    made = refund(order, 2000)
    assert made.status == RefundStatus.FAILED
    assert made.can_retry
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED  # the credit is taken back; the money is owed
    assert payable() == 2000
    assert not Journal.objects.filter(key=f"refund:{made.pk}:paid").exists()
    assert ledger.verify() == []
    assert any("could not complete" in mail.body for mail in mails_to("refund-me@example.be"))

    # The failed refund no longer counts at the provider: the whole amount can be sent again.
    sandbox.set_refund_outcome(remote_payment.public_id, "refunded")
    with transaction.atomic():
        refunds.retry_refund(refund_id=made.pk, actor=None)
    made.refresh_from_db()
    assert (made.status, made.attempt) == (RefundStatus.REFUNDED, 2)
    assert [r.status for r in SandboxRefund.objects.order_by("pk")] == ["failed", "refunded"]
    assert payable() == 0
    assert Journal.objects.filter(key=f"refund:{made.pk}:paid").count() == 1
    assert ledger.verify() == []


def test_a_queued_refund_moves_on_by_the_tester_and_can_be_cancelled(site):
    order = paid_through_sandbox(site)
    remote_payment = SandboxPayment.objects.get()
    sandbox.set_refund_outcome(remote_payment.public_id, "queued")

    first = refund(order, 500)
    assert first.status == RefundStatus.QUEUED

    # The tester moves it on from the sandbox's payments page; each change calls the webhook.
    web = WebClient()
    status_url = reverse("sandbox:refund_status", args=[remote_payment.public_id, first.provider_refund_id])
    assert web.post(status_url, {"status": "pending"}).status_code == 302
    first.refresh_from_db()
    assert first.status == RefundStatus.PENDING
    assert web.post(status_url, {"status": "processing"}).status_code == 302
    first.refresh_from_db()
    assert first.status == RefundStatus.PROCESSING
    assert web.post(status_url, {"status": "refunded"}).status_code == 302
    first.refresh_from_db()
    assert first.status == RefundStatus.REFUNDED

    # A queued refund is cancelled with the official client (DELETE), as at Mollie.
    second = refund(order, 500)
    client = Client(api_endpoint=site + "/sandbox/mollie")
    client.set_api_key(TEST_KEY)
    remote_refunds = PaymentRefunds(client, MolliePayment({"id": remote_payment.public_id}, client))
    remote_refunds.delete(second.provider_refund_id)
    second.refresh_from_db()
    assert second.status == RefundStatus.CANCELED
    assert second.can_retry
    with pytest.raises(UnprocessableEntityError):
        remote_refunds.delete(first.provider_refund_id)  # refunded: too late to cancel
    assert ledger.verify() == []


def test_the_sandbox_refuses_a_refund_above_what_remains_like_mollie(site):
    order = paid_through_sandbox(site, amount=1000)
    remote_payment = SandboxPayment.objects.get()
    client = Client(api_endpoint=site + "/sandbox/mollie")
    client.set_api_key(TEST_KEY)
    remote_refunds = PaymentRefunds(client, MolliePayment({"id": remote_payment.public_id}, client))
    remote_refunds.create({"amount": {"currency": "EUR", "value": "6.00"}})
    with pytest.raises(UnprocessableEntityError) as refused:
        remote_refunds.create({"amount": {"currency": "EUR", "value": "4.01"}})
    assert refused.value.field == "amount"
    listed = remote_refunds.list()
    assert [item.status for item in listed] == ["refunded"]
    assert Refund.objects.filter(order=order).count() == 0


def test_a_refund_the_provider_could_not_be_asked_for_is_sent_by_the_reconcile_tick(site, settings):
    order = paid_through_sandbox(site)
    settings.MOLLIE_API_ENDPOINT = "http://127.0.0.1:9/v2"  # the provider cannot be reached; the job fails
    with transaction.atomic():
        made = refunds.request_refund(order_id=order.pk, amount=800, reason="Provider down", actor=None)
    settings.MOLLIE_API_ENDPOINT = site + "/sandbox/mollie"
    made.refresh_from_db()
    assert made.status == RefundStatus.REQUESTED
    assert not SandboxRefund.objects.exists()

    assert reconcile.run(at=clock.now() + timedelta(minutes=10))["confirmations"] == 0  # not due yet
    assert not SandboxRefund.objects.exists()
    result = reconcile.run(at=clock.now() + timedelta(minutes=31))
    assert result["refunds"] == 1
    made.refresh_from_db()
    assert made.status == RefundStatus.REFUNDED
    assert SandboxRefund.objects.count() == 1
    assert payable() == 0
    assert ledger.verify() == []
