"""Card payments on Mollie point-of-sale terminals: the official client against the sandbox (live
server), the shop desk's waiting page from sale to receipt, and the outcomes that place nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from simrenew.kit import clock
from simrenew.orders.models import Order
from simrenew.payments import pointofsale
from simrenew.payments.models import CardTerminal, TerminalOutcome, TerminalPayment
from simrenew.sandbox import service as sandbox
from simrenew.sandbox.models import SandboxPayment
from simrenew.shops.models import ShopSale
from tests.factories import create_brand, create_bundle, create_line
from tests.sandbox.helpers import use_sandbox_terminals
from tests.shops.factories import create_shop, create_staff, staff_client
from tests.web.form_keys import confirmation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mollie_terminals(live_server, settings):
    return use_sandbox_terminals(live_server, settings)


@pytest.fixture
def counter(mollie_terminals):
    shop = create_shop("brussels", name="Brussels-Central")
    shop.card_terminal = CardTerminal.objects.get(provider_terminal_id="term_sandbox0001")
    shop.save()
    return shop


@pytest.fixture
def desk(counter):
    brand = create_brand(code="acme", name="Acme Mobile")
    bundle = create_bundle(brand, price_amount=1500, names={"en": "Acme 15"})
    line = create_line(brand, msisdn="+32470123456", credit=500)
    client = staff_client(create_staff(counter, email="anna@staff.example"))
    return client, line, bundle


def start_sale(client, line, bundle):
    with translation.override("en"):
        page = reverse("shop:renew", kwargs={"line_id": line.pk})
    form = {"product": str(bundle.pk), "method": "terminal_card"}
    quote = client.post(page, form)
    response = client.post(page, {**form, **confirmation(quote)})
    assert response.status_code == 302, response.content.decode()[:500]
    return response.url


def test_sync_lists_the_sandbox_terminals_through_the_official_client(mollie_terminals):
    ids = {t.provider_terminal_id: t.status for t in mollie_terminals}
    assert ids["term_sandbox0001"] == "active"
    assert ids["term_sandbox0005"] == "inactive"
    assert CardTerminal.objects.count() == 5


def test_approved_card_places_the_sale_once(desk):
    client, line, bundle = desk
    wait_url = start_sale(client, line, bundle)
    payment = TerminalPayment.objects.get()
    remote = SandboxPayment.objects.get(public_id=payment.provider_payment_id)
    assert (remote.method, remote.terminal_id, str(remote.amount_value)) == ("pointofsale", "term_sandbox0001", "15.00")
    assert remote.metadata == {"reference": payment.reference}
    waiting = client.get(wait_url)
    assert waiting.status_code == 200 and "Waiting for the card" in waiting.content.decode()
    assert Order.objects.count() == 0

    sandbox.act_on_terminal("term_sandbox0001", remote.public_id, "approve")  # webhook settles it

    payment.refresh_from_db()
    assert payment.outcome == TerminalOutcome.PLACED and payment.status == "paid"
    sale = ShopSale.objects.get()
    assert (sale.order_id, sale.amount, sale.method) == (payment.order_id, 1500, "terminal_card")
    assert sale.card_label == "Bancontact •••• 6787"
    done = client.get(wait_url)
    assert done.status_code == 302 and done.url.endswith(f"/sales/{sale.order.number}/")
    # Webhook again and the page again: still one order.
    pointofsale.settle(payment.pk, place=lambda p: pytest.fail("placed twice"), force=True)
    client.get(wait_url)
    assert Order.objects.count() == 1 and ShopSale.objects.count() == 1


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("decline", "failed", "The card was declined"),
        ("abandon", "expired", "No card was presented in time"),
    ],
)
def test_declined_or_abandoned_card_places_nothing(desk, action, status, message):
    client, line, bundle = desk
    wait_url = start_sale(client, line, bundle)
    payment = TerminalPayment.objects.get()
    sandbox.act_on_terminal("term_sandbox0001", payment.provider_payment_id, action)
    response = client.get(wait_url)
    assert response.status_code == 402 and message in response.content.decode()
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == (status, TerminalOutcome.NOT_PAID)
    assert Order.objects.count() == 0 and ShopSale.objects.count() == 0


def test_cancel_button_cancels_at_mollie_and_places_nothing(desk):
    client, line, bundle = desk
    wait_url = start_sale(client, line, bundle)
    payment = TerminalPayment.objects.get()
    response = client.post(wait_url + "cancel/")
    assert response.status_code == 302
    assert SandboxPayment.objects.get(public_id=payment.provider_payment_id).status == "canceled"
    page = client.get(wait_url)
    assert page.status_code == 402 and "cancelled" in page.content.decode()
    assert Order.objects.count() == 0


def test_waiting_past_the_timeout_cancels_the_payment(desk, settings):
    client, line, bundle = desk
    wait_url = start_sale(client, line, bundle)
    payment = TerminalPayment.objects.get()
    with time_machine.travel(clock.now() + timedelta(seconds=settings.TERMINAL_PAYMENT_TIMEOUT_SECONDS + 1)):
        status = client.get(wait_url + "status/")
    assert status.json()["done"] is True
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("canceled", TerminalOutcome.NOT_PAID)
    assert Order.objects.count() == 0


def test_approval_after_cancel_was_asked_still_stands(desk):
    """The card was approved just as the counter pressed Cancel: Mollie refuses the cancel, the sale stands."""
    client, line, bundle = desk
    wait_url = start_sale(client, line, bundle)
    payment = TerminalPayment.objects.get()
    # Approved at the terminal, but its webhook is lost.
    SandboxPayment.objects.filter(pk=SandboxPayment.objects.get(public_id=payment.provider_payment_id).pk).update(
        webhook_url=""
    )
    sandbox.act_on_terminal("term_sandbox0001", payment.provider_payment_id, "approve")
    client.post(wait_url + "cancel/")
    payment.refresh_from_db()
    assert payment.outcome == TerminalOutcome.PLACED
    assert ShopSale.objects.count() == 1


def test_inactive_or_missing_terminal_refuses_before_anything_is_started(desk, counter):
    client, line, bundle = desk
    counter.card_terminal = CardTerminal.objects.get(provider_terminal_id="term_sandbox0005")
    counter.save()
    with translation.override("en"):
        page = reverse("shop:renew", kwargs={"line_id": line.pk})
    form = {"product": str(bundle.pk), "method": "terminal_card"}
    quote = client.post(page, form)
    response = client.post(page, {**form, **confirmation(quote)})
    assert response.status_code == 200 and "Card payment is not available here" in response.content.decode()
    assert TerminalPayment.objects.count() == 0 and SandboxPayment.objects.count() == 0


# --- One payment at a time on a terminal


def confirm_sale(client, line, bundle):
    """A confirmed card sale at the counter: the response (a redirect to the waiting page, or the form)."""
    with translation.override("en"):
        page = reverse("shop:renew", kwargs={"line_id": line.pk})
    form = {"product": str(bundle.pk), "method": "terminal_card"}
    quote = client.post(page, form)
    return client.post(page, {**form, **confirmation(quote)})


def test_a_second_sale_waits_for_the_terminal_and_the_card_pays_the_first(desk, counter):
    client, line, bundle = desk
    other = create_line(bundle.brand, msisdn="+32470654321", credit=0)
    first_wait = start_sale(client, line, bundle)  # the first customer's sale, then the page left

    refused = confirm_sale(client, other, bundle)

    # The second sale is refused with a link to the first one's waiting page; nothing was started for it.
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "The card terminal is still waiting for another payment (€15.00 for 0470 12 34 56)" in page
    assert f'<a href="{first_wait}">Open that payment</a>' in page
    assert TerminalPayment.objects.count() == 1 and SandboxPayment.objects.count() == 1
    # The card presented pays the sale the terminal shows, and nothing else.
    payment = TerminalPayment.objects.get()
    sandbox.act_on_terminal("term_sandbox0001", payment.provider_payment_id, "approve")
    assert [order.line_id for order in Order.objects.all()] == [line.pk]


def test_once_the_first_is_cancelled_the_next_sale_starts(desk):
    client, line, bundle = desk
    first_wait = start_sale(client, line, bundle)
    client.post(first_wait + "cancel/")
    assert confirm_sale(client, line, bundle).status_code == 302
    assert TerminalPayment.objects.filter(outcome=TerminalOutcome.WAITING).count() == 1


def test_a_payment_left_past_its_deadline_is_cancelled_and_frees_the_terminal(desk, settings):
    client, line, bundle = desk
    start_sale(client, line, bundle)  # its page closed: nobody asks after it any more
    with time_machine.travel(clock.now() + timedelta(seconds=settings.TERMINAL_PAYMENT_TIMEOUT_SECONDS + 1)):
        assert confirm_sale(client, line, bundle).status_code == 302
    first, second = TerminalPayment.objects.order_by("pk")
    assert (first.status, first.outcome) == ("canceled", TerminalOutcome.NOT_PAID)
    assert second.outcome == TerminalOutcome.WAITING
