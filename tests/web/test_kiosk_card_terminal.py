"""The kiosk's card sale on a Mollie point-of-sale terminal (PAYMENT_TERMINAL=mollie), through its
pages: the official client against the sandbox (live server), the waiting screen, the sandbox's
terminal screen approving, declining or abandoning, the deadline and the Cancel button."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from simrenew.kiosks.models import KioskSale
from simrenew.kit import clock
from simrenew.ledger.models import Journal
from simrenew.lines.queries import balances
from simrenew.orders.models import Order
from simrenew.payments import pointofsale
from simrenew.payments.models import CardTerminal, TerminalOutcome, TerminalPayment
from simrenew.sandbox.models import SandboxPayment
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk, enrol_screen
from tests.sandbox.helpers import use_sandbox_terminals
from tests.web.form_keys import submit

pytestmark = pytest.mark.django_db(transaction=True)

KIOSK_READER = "term_sandbox0003"


def url(name: str, language: str = "en", **kwargs: object) -> str:
    with translation.override(language):
        return reverse(f"kiosk:{name}", kwargs=kwargs)


@pytest.fixture
def mollie_terminals(live_server, settings):
    return use_sandbox_terminals(live_server, settings)


@pytest.fixture
def kiosk(client, mollie_terminals):
    """The airport kiosk with its card reader, and the test client enrolled as its screen."""
    kiosk = create_kiosk("airport")
    kiosk.card_terminal = CardTerminal.objects.get(provider_terminal_id=KIOSK_READER)
    kiosk.save()
    enrol_screen(client, kiosk)
    return kiosk


@pytest.fixture
def line():
    brand = create_brand(code="acme", name="Acme Mobile")
    create_bundle(brand, price_amount=1500, names={"en": "Acme 15"})
    create_topup_product(brand)
    return create_line(brand, msisdn="+32470123456", credit=1234)


def card_page(client, kiosk, amount=1500) -> str:
    response = client.post(url("number", kiosk=kiosk.code, action="topup"), {"number": "0470 12 34 56"})
    assert response.status_code == 302
    return response.url.replace("/topup/", "/card/") + f"?amount={amount}"


def start_card_sale(client, kiosk) -> tuple[str, TerminalPayment]:
    """The customer chose a €15 top-up by card and pressed Pay: the kiosk waits for the card."""
    page = card_page(client, kiosk)
    assert "Pay €15.00" in client.get(page).content.decode()
    response = submit(client, page, {"amount": 1500})
    assert response.status_code == 302, response.content.decode()[:500]
    payment = TerminalPayment.objects.get()
    assert response.url == url("card_wait", kiosk=kiosk.code, reference=payment.reference)
    return response.url, payment


def press_on_terminal(client, payment: TerminalPayment, action: str) -> None:
    """The tester presses a button on the sandbox's terminal screen page, as a customer's card would."""
    screen = f"/sandbox/mollie/terminals/{KIOSK_READER}/"
    shown = client.get(screen).content.decode()
    assert payment.provider_payment_id in shown and "€15.00" in shown
    response = client.post(screen, {"payment": payment.provider_payment_id, "action": action})
    assert response.status_code == 302


def state(line) -> tuple:
    return (
        Order.objects.count(),
        Journal.objects.count(),
        KioskSale.objects.count(),
        balances(line).credit_amount,
    )


def test_an_approved_card_places_the_sale_once_and_shows_the_receipt(client, kiosk, line, settings):
    wait_url, payment = start_card_sale(client, kiosk)
    remote = SandboxPayment.objects.get(public_id=payment.provider_payment_id)
    assert (remote.method, remote.terminal_id, str(remote.amount_value)) == ("pointofsale", KIOSK_READER, "15.00")
    waiting = client.get(wait_url)
    page = waiting.content.decode()
    assert waiting.status_code == 200
    assert "Waiting for the card on the terminal" in page and "Cancel the card payment" in page
    # Tested against the sandbox: a link to the terminal's screen; no idle reset before the deadline.
    assert f'href="/sandbox/mollie/terminals/{KIOSK_READER}/"' in page
    idle = re.search(r'data-idle-seconds="(\d+)"', page)
    timeout = settings.TERMINAL_PAYMENT_TIMEOUT_SECONDS
    assert idle and timeout < int(idle.group(1)) <= timeout + 15
    assert client.get(wait_url + "status/").json() == {"done": False, "url": wait_url}
    before = state(line)
    assert (before[0], before[2], before[3]) == (0, 0, 1234)

    press_on_terminal(client, payment, "approve")  # the sandbox's webhook settles it

    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", TerminalOutcome.PLACED)
    sale = KioskSale.objects.get()
    assert (sale.order_id, sale.amount, sale.terminal_reference) == (payment.order_id, 1500, payment.reference)
    assert client.get(wait_url + "status/").json() == {"done": True, "url": wait_url}
    done = client.get(wait_url)
    assert done.status_code == 302 and f"/done/{sale.order.number}/" in done.url
    receipt = client.get(done.url).content.decode()
    assert "Thank you. It is done." in receipt and "Print receipt" in receipt
    assert balances(line).credit_amount == 1234 + 1500
    after = state(line)
    # The page, its poll and the webhook again: nothing more is sold.
    client.get(wait_url)
    client.get(wait_url + "status/")
    pointofsale.settle(payment.pk, place=lambda p: pytest.fail("placed twice"), force=True)
    assert state(line) == after == (1, before[1] + 1, 1, 1234 + 1500)


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("decline", "failed", "The card was declined. Nothing was charged and nothing was sold."),
        ("abandon", "expired", "No card was presented in time. Nothing was charged and nothing was sold."),
    ],
)
def test_a_declined_or_abandoned_card_sells_nothing(client, kiosk, line, action, status, message):
    wait_url, payment = start_card_sale(client, kiosk)
    before = state(line)
    press_on_terminal(client, payment, action)
    assert client.get(wait_url + "status/").json()["done"] is True
    response = client.get(wait_url)
    assert response.status_code == 402
    page = response.content.decode()
    assert message in page and "Back to the start" in page
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == (status, TerminalOutcome.NOT_PAID)
    assert state(line) == before and (before[0], before[2], before[3]) == (0, 0, 1234)


def test_the_cancel_button_cancels_at_mollie_and_sells_nothing(client, kiosk, line):
    wait_url, payment = start_card_sale(client, kiosk)
    before = state(line)
    response = client.post(wait_url + "cancel/")
    assert response.status_code == 302 and response.url == wait_url
    assert SandboxPayment.objects.get(public_id=payment.provider_payment_id).status == "canceled"
    page = client.get(wait_url)
    assert page.status_code == 402
    assert "The card payment was cancelled. Nothing was charged and nothing was sold." in page.content.decode()
    # The terminal no longer offers it: a late tap can no longer pay it.
    assert payment.provider_payment_id not in client.get(f"/sandbox/mollie/terminals/{KIOSK_READER}/").content.decode()
    assert state(line) == before and (before[0], before[2], before[3]) == (0, 0, 1234)


def test_the_start_screen_frees_the_terminal_the_last_customer_left_waiting(client, kiosk, line):
    """The customer walked away from the waiting screen and the next one starts over: the terminal no
    longer offers the last customer's payment, and nothing was sold."""
    wait_url, payment = start_card_sale(client, kiosk)
    before = state(line)
    start = client.get(url("start", kiosk=kiosk.code))
    assert start.status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("canceled", TerminalOutcome.NOT_PAID)
    assert SandboxPayment.objects.get(public_id=payment.provider_payment_id).status == "canceled"
    assert payment.provider_payment_id not in client.get(f"/sandbox/mollie/terminals/{KIOSK_READER}/").content.decode()
    assert client.get(wait_url).status_code == 402
    assert state(line) == before and (before[0], before[2], before[3]) == (0, 0, 1234)


def test_the_start_screen_places_a_card_approved_before_it_was_freed(client, kiosk, line):
    """Approved at the terminal, its webhook lost, then the start screen: Mollie refuses the cancel and
    the sale the card paid for is placed, once."""
    _wait_url, payment = start_card_sale(client, kiosk)
    before = state(line)
    SandboxPayment.objects.filter(public_id=payment.provider_payment_id).update(webhook_url="")
    press_on_terminal(client, payment, "approve")
    assert client.get(url("start", kiosk=kiosk.code)).status_code == 200
    client.get(url("start", kiosk=kiosk.code))  # again: nothing more happens
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", TerminalOutcome.PLACED)
    assert state(line) == (1, before[1] + 1, 1, 1234 + 1500)


def test_no_card_before_the_deadline_cancels_the_payment_at_mollie(client, kiosk, line, settings):
    wait_url, payment = start_card_sale(client, kiosk)
    before = state(line)
    late = clock.now() + timedelta(seconds=settings.TERMINAL_PAYMENT_TIMEOUT_SECONDS + 1)
    with time_machine.travel(late):
        assert client.get(wait_url + "status/").json()["done"] is True
        page = client.get(wait_url)
    assert page.status_code == 402 and "The card payment was cancelled." in page.content.decode()
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("canceled", TerminalOutcome.NOT_PAID)
    assert payment.cancel_requested_at is not None
    assert SandboxPayment.objects.get(public_id=payment.provider_payment_id).status == "canceled"
    assert state(line) == before and (before[0], before[2], before[3]) == (0, 0, 1234)


def test_a_card_approved_as_the_deadline_passes_still_stands(client, kiosk, line, settings):
    """Approved at the terminal but its webhook lost; the deadline's cancel is refused by Mollie and the
    sale the card paid for is placed, once."""
    wait_url, payment = start_card_sale(client, kiosk)
    before = state(line)
    SandboxPayment.objects.filter(public_id=payment.provider_payment_id).update(webhook_url="")
    press_on_terminal(client, payment, "approve")
    assert Order.objects.count() == 0  # nobody has told simrenew yet
    late = clock.now() + timedelta(seconds=settings.TERMINAL_PAYMENT_TIMEOUT_SECONDS + 1)
    with time_machine.travel(late):
        done = client.get(wait_url)
    assert done.status_code == 302 and "/done/" in done.url
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", TerminalOutcome.PLACED)
    assert state(line) == (1, before[1] + 1, 1, 1234 + 1500)


def test_the_waiting_screen_of_another_kiosk_is_not_found(client, kiosk, line):
    _wait_url, payment = start_card_sale(client, kiosk)
    other = create_kiosk("station")
    enrol_screen(client, other)
    assert client.get(url("card_wait", kiosk=other.code, reference=payment.reference)).status_code == 404
    assert client.post(url("card_wait_cancel", kiosk=other.code, reference=payment.reference)).status_code == 404
    assert SandboxPayment.objects.get(public_id=payment.provider_payment_id).status == "open"


def test_a_kiosk_without_an_active_reader_starts_nothing(client, kiosk, line):
    kiosk.card_terminal = CardTerminal.objects.get(provider_terminal_id="term_sandbox0005")  # switched off
    kiosk.save()
    page = card_page(client, kiosk)
    before = state(line)
    response = submit(client, page, {"amount": 1500})
    assert response.status_code == 503
    assert "Card payment is not available here right now. Nothing was charged." in response.content.decode()
    assert TerminalPayment.objects.count() == 0 and SandboxPayment.objects.count() == 0
    assert state(line) == before
