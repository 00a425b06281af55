"""The sandbox speaks Mollie's v2 payments API well enough for the official client, over real HTTP."""

from datetime import datetime

import pytest
import requests
from mollie.api.client import Client
from mollie.api.error import NotFoundError, UnauthorizedError, UnprocessableEntityError
from mollie.api.objects.payment import Payment
from mollie.api.resources.refunds import PaymentRefunds

from simrenew.kit.structured_reference import parse_structured_reference
from simrenew.sandbox import service
from simrenew.sandbox.models import SandboxPayment
from tests.sandbox.helpers import payment_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_and_get_payment(mollie, live_server):
    payment = mollie.payments.create(payment_data(webhookUrl="https://shop.example/webhook/"))

    assert payment.id.startswith("tr_")
    assert payment.resource == "payment"
    assert payment.mode == "test"
    assert payment.status == "open"
    assert payment.amount == {"currency": "EUR", "value": "10.00"}
    assert payment.method == "creditcard"
    assert payment.metadata == {"order": "42"}
    assert payment.redirect_url == "https://shop.example/return/42/"
    assert payment.webhook_url == "https://shop.example/webhook/"
    assert payment.checkout_url == f"{live_server.url}/sandbox/mollie/checkout/{payment.id}/"
    assert datetime.fromisoformat(payment.expires_at) > datetime.fromisoformat(payment.created_at)
    assert payment["_links"]["self"]["href"].endswith(f"/sandbox/mollie/v2/payments/{payment.id}")

    fetched = mollie.payments.get(payment.id)
    assert fetched.id == payment.id
    assert fetched.status == "open"
    assert fetched.description == "Top-up 0470 12 34 56"


def test_list_payments_newest_first_with_pagination(mollie):
    created = [mollie.payments.create(payment_data(description=f"Payment {n}")).id for n in range(3)]

    first_page = mollie.payments.list(limit=2)
    assert first_page.count == 2
    assert [payment.id for payment in first_page] == [created[2], created[1]]
    assert first_page.has_next()
    assert not first_page.has_previous()

    second_page = first_page.get_next()
    assert [payment.id for payment in second_page] == [created[0]]
    assert not second_page.has_next()
    assert second_page.has_previous()
    assert [payment.id for payment in second_page.get_previous()] == [created[2], created[1]]


def test_live_key_is_refused_with_401(sandbox_endpoint):
    client = Client(api_endpoint=sandbox_endpoint)
    client.set_api_key("live_thisisnotallowedinthesandbox00000")

    with pytest.raises(UnauthorizedError) as excinfo:
        client.payments.list()
    assert excinfo.value.status == 401


def test_missing_key_gets_mollie_error_shape(sandbox_endpoint):
    response = requests.get(f"{sandbox_endpoint}/v2/payments", timeout=10)

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/hal+json"
    body = response.json()
    assert body["status"] == 401
    assert body["title"] == "Unauthorized Request"
    assert body["detail"]
    assert body["_links"]["documentation"]["href"].startswith("https://docs.mollie.com/")


def test_unknown_payment_is_404(mollie):
    with pytest.raises(NotFoundError) as excinfo:
        mollie.payments.get("tr_doesnotexist")
    assert excinfo.value.status == 404
    assert "tr_doesnotexist" in str(excinfo.value)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": {"currency": "EUR", "value": "10"}}, "amount.value"),
        ({"amount": {"currency": "EUR", "value": 10.0}}, "amount.value"),
        ({"amount": {"currency": "EUR", "value": "0.00"}}, "amount"),
        ({"description": ""}, "description"),
        ({"redirectUrl": None}, "redirectUrl"),
        ({"redirectUrl": "javascript:alert(1)"}, "redirectUrl"),
        ({"method": "ideal"}, "method"),
        ({"locale": "zh_CN"}, "locale"),
        ({"sequenceType": "first"}, "customerId"),
    ],
)
def test_invalid_input_is_422_with_field(mollie, overrides, field):
    with pytest.raises(UnprocessableEntityError) as excinfo:
        mollie.payments.create(payment_data(**overrides))
    assert excinfo.value.status == 422
    assert excinfo.value.field == field


def test_idempotency_key_replays_and_refuses_another_body(mollie):
    first = mollie.payments.create(payment_data(), idempotency_key="order-42-attempt-1")
    replay = mollie.payments.create(payment_data(), idempotency_key="order-42-attempt-1")

    assert replay.id == first.id
    assert SandboxPayment.objects.count() == 1

    with pytest.raises(UnprocessableEntityError) as excinfo:
        mollie.payments.create(payment_data(description="Another"), idempotency_key="order-42-attempt-1")
    assert "Idempotency-Key" in str(excinfo.value)
    # A fresh key is a fresh payment.
    assert mollie.payments.create(payment_data(), idempotency_key="order-42-attempt-2").id != first.id


def test_bank_transfer_carries_belgian_structured_reference(mollie, settings):
    payment = mollie.payments.create(payment_data(method="banktransfer"))

    assert payment.status == "open"
    assert payment.details["bankAccount"] == settings.BANK_TRANSFER_IBAN.replace(" ", "")
    assert payment.details["bankBic"] == settings.BANK_TRANSFER_BIC
    assert parse_structured_reference(payment.details["transferReference"])
    assert payment.is_cancelable is True


def test_cancel_open_bank_transfer_but_not_a_card_payment(mollie):
    transfer = mollie.payments.create(payment_data(method="banktransfer"))
    canceled = mollie.payments.delete(transfer.id)
    assert canceled.status == "canceled"
    assert canceled.canceled_at
    assert "checkout" not in canceled["_links"]

    card = mollie.payments.create(payment_data())
    with pytest.raises(UnprocessableEntityError):
        mollie.payments.delete(card.id)


def test_refunds(mollie):
    payment = mollie.payments.create(payment_data())
    refunds = PaymentRefunds(mollie, Payment({"id": payment.id}, mollie))
    with pytest.raises(UnprocessableEntityError):
        refunds.create({"amount": {"currency": "EUR", "value": "1.00"}})

    service.set_status(payment.id, "paid")
    refund = refunds.create({"amount": {"currency": "EUR", "value": "4.00"}, "description": "Goodwill"})
    assert refund.id.startswith("re_")
    assert refund.status == "pending"
    assert refund.payment_id == payment.id
    with pytest.raises(UnprocessableEntityError) as excinfo:
        refunds.create({"amount": {"currency": "EUR", "value": "6.01"}})
    assert excinfo.value.field == "amount"

    listed = refunds.list()
    assert [item.id for item in listed] == [refund.id]
    assert listed[0].status == "refunded"
    assert refunds.get(refund.id).amount == {"currency": "EUR", "value": "4.00"}
    paid = mollie.payments.get(payment.id)
    assert paid.amount_refunded == {"currency": "EUR", "value": "4.00"}
    assert paid.amount_remaining == {"currency": "EUR", "value": "6.00"}
    assert paid.has_refunds()
