"""The hosted checkout where the tester decides the outcome, and the list page for late bank transfers."""

import re
from datetime import timedelta

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from simrenew.kit import clock
from simrenew.sandbox import service
from simrenew.sandbox.models import SandboxPayment
from tests.sandbox.helpers import payment_data

pytestmark = pytest.mark.django_db

BUTTON = re.compile(r'<button type="submit" name="(\w+)" value="(\w+)">([^<]+)</button>')


def buttons(html: str) -> dict[str, str]:
    """Accessible name → submitted value of every button on the page."""
    return {label: value for _, value, label in BUTTON.findall(html)}


def checkout_url(payment: SandboxPayment) -> str:
    return reverse("sandbox:checkout", args=[payment.public_id])


def test_checkout_page_is_a_labelled_test_page_with_outcome_buttons(client):
    payment = service.create_payment(payment_data(locale="en_US"))

    response = client.get(checkout_url(payment))

    html = response.content.decode()
    assert response.status_code == 200
    assert "TEST payment" in html
    assert "€10.00" in html
    assert "Top-up 0470 12 34 56" in html
    assert "Credit card" in html
    assert buttons(html) == {"Paid": "paid", "Failed": "failed", "Cancelled": "canceled", "Expired": "expired"}


def test_bank_transfer_checkout_offers_leave_open_and_shows_reference(client):
    payment = service.create_payment(payment_data(method="banktransfer", locale="en_US"))

    html = client.get(checkout_url(payment)).content.decode()

    assert buttons(html)["Leave open (pay later)"] == "open"
    assert payment.transfer_reference in html


def test_choosing_paid_stores_status_and_redirects_with_csrf():
    payment = service.create_payment(payment_data())
    browser = BrowserClient(enforce_csrf_checks=True)

    assert browser.post(checkout_url(payment), {"status": "paid"}).status_code == 403

    browser.get(checkout_url(payment))
    token = browser.cookies["csrftoken"].value
    response = browser.post(checkout_url(payment), {"status": "paid", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == "https://shop.example/return/42/"
    payment.refresh_from_db()
    assert payment.status == "paid"
    assert payment.paid_at is not None
    assert (payment.details or {})["cardNumber"] == "6787"


def test_cancelled_goes_to_cancel_url_when_given(client):
    payment = service.create_payment(payment_data(cancelUrl="https://shop.example/cancelled/"))

    response = client.post(checkout_url(payment), {"status": "canceled"})

    assert response["Location"] == "https://shop.example/cancelled/"
    assert SandboxPayment.objects.get(pk=payment.pk).status == "canceled"


def test_leave_open_keeps_bank_transfer_open_until_marked_paid(client):
    payment = service.create_payment(payment_data(method="banktransfer"))

    response = client.post(checkout_url(payment), {"status": "open"})
    assert response.status_code == 302
    assert SandboxPayment.objects.get(pk=payment.pk).status == "open"

    listing = client.get(reverse("sandbox:payments")).content.decode()
    assert f'id="{payment.public_id}"' in listing
    assert "Mark paid" in listing

    response = client.post(reverse("sandbox:mark_paid", args=[payment.public_id]))
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == "paid"
    details = payment.details or {}
    assert details["consumerName"] == "T. TEST"
    assert details["transferReference"] == payment.transfer_reference


def test_leave_open_is_only_for_bank_transfers(client):
    payment = service.create_payment(payment_data())

    assert client.post(checkout_url(payment), {"status": "open"}).status_code == 400


def test_a_decided_payment_keeps_its_outcome(client):
    payment = service.create_payment(payment_data(locale="en_US"))
    client.post(checkout_url(payment), {"status": "failed"})

    html = client.get(checkout_url(payment)).content.decode()
    assert "already <strong>failed</strong>" in html
    assert buttons(html) == {}
    client.post(checkout_url(payment), {"status": "paid"})
    assert SandboxPayment.objects.get(pk=payment.pk).status == "failed"
    with pytest.raises(service.ApiError):
        service.set_status(payment.public_id, "paid")


def test_payment_without_method_lets_the_tester_pick_one(client):
    payment = service.create_payment(payment_data(method=None, locale="en_US"))

    assert buttons(client.get(checkout_url(payment)).content.decode())["Bank transfer"] == "banktransfer"
    client.post(checkout_url(payment), {"method": "banktransfer"})

    payment.refresh_from_db()
    assert payment.method == "banktransfer"
    assert payment.transfer_reference


def test_open_payment_expires_when_its_time_is_up():
    payment = service.create_payment(payment_data())
    SandboxPayment.objects.filter(pk=payment.pk).update(expires_at=clock.now() - timedelta(seconds=1))

    assert service.get_payment(payment.public_id).status == "expired"


def test_recurring_payment_is_pending_without_checkout():
    payment = service.create_payment(
        payment_data(sequenceType="recurring", customerId="cst_sandbox1", redirectUrl=None)
    )

    assert payment.status == "pending"
    assert payment.mandate_id.startswith("mdt_")
    assert service.set_status(payment.public_id, "paid").status == "paid"


def test_unknown_payment_checkout_is_404(client):
    assert client.get(reverse("sandbox:checkout", args=["tr_nothere"])).status_code == 404
