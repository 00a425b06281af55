"""Card sales on Mollie point-of-sale terminals (PAYMENT_TERMINAL=mollie, the demo's setting) in a real
browser, against the payment sandbox: the kiosk or the shop desk waits for the card, the tester opens
the sandbox's terminal screen in a second tab and approves, and the first tab moves on to the receipt
by itself (its polling). The demo's counters and kiosks carry the sandbox's terminals."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from simrenew.kiosks import devices
from simrenew.kiosks.models import Kiosk, KioskSale
from simrenew.kit.money import format_money
from simrenew.ledger import service as ledger
from simrenew.lines.models import Line
from simrenew.lines.queries import balances
from simrenew.orders.models import Order
from simrenew.payments.models import TerminalOutcome, TerminalPayment
from simrenew.shops.models import ShopSale
from tests.sandbox.helpers import TEST_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLLED = 15_000  # ms: the waiting page asks every two seconds


@pytest.fixture
def demo(site, settings):
    settings.PAYMENT_TERMINAL = "mollie"
    settings.MOLLIE_API_KEY = TEST_KEY
    call_command("demo_data", lines=8)
    call_command("demo_offline")
    return site


def approve_on_the_terminal_screen(page: Page, amount: str) -> None:
    """The tester follows the waiting page's test-mode link to the terminal's screen, in a new tab."""
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Test mode: open the sandbox terminal's screen to present a card").click()
    terminal = opened.value
    expect(terminal.get_by_label("Amount to pay")).to_have_text(amount)
    terminal.get_by_role("button", name="Approve").click()
    expect(terminal.get_by_role("status")).to_contain_text(": paid.")
    terminal.close()


def test_a_kiosk_card_top_up_waits_for_the_terminal_and_shows_the_receipt(page: Page, demo: str) -> None:
    line = Line.objects.filter(brand__code="base").order_by("msisdn").first()
    assert line is not None
    credit_before = balances(line).credit_amount
    _code, plain = devices.issue_enrolment_code(kiosk=Kiosk.objects.get(code="bru-airport"))
    page.goto(f"{demo}/en/kiosk/bru-airport/enrol/")
    page.get_by_label("Enrolment code").fill(plain)
    page.get_by_role("button", name="Enrol this screen").click()

    page.goto(f"{demo}/en/kiosk/bru-airport/number/topup/")
    for digit in "0" + line.msisdn.removeprefix("+32"):
        page.get_by_role("group").get_by_role("button", name=digit, exact=True).click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="€15.00").click()
    page.get_by_role("button", name="Pay €15.00").click()

    expect(page.get_by_role("status")).to_contain_text("Waiting for the card on the terminal")
    waiting = page.url
    assert Order.objects.count() == 0
    approve_on_the_terminal_screen(page, "€15.00")

    expect(page.get_by_role("heading", name="Thank you. It is done.")).to_be_visible(timeout=POLLED)
    assert page.url != waiting
    payment = TerminalPayment.objects.get()
    assert (payment.terminal.provider_terminal_id, payment.outcome) == ("term_sandbox0003", TerminalOutcome.PLACED)
    sale = KioskSale.objects.select_related("order").get()
    assert (sale.order.channel, sale.order.method, sale.amount) == ("kiosk", "terminal_card", 1500)
    assert balances(line).credit_amount == credit_before + 1500
    assert ledger.verify() == []
    page.get_by_role("link", name="Print receipt").click()
    expect(page.get_by_text(sale.order.receipt.verification_code)).to_be_visible()


def test_a_shop_desk_card_renewal_waits_for_the_counter_terminal(page: Page, demo: str) -> None:
    line = Line.objects.filter(brand__code="base").order_by("msisdn").first()
    assert line is not None
    bundle = line.brand.products.filter(kind="bundle").order_by("position").first()
    assert bundle is not None
    page.goto(f"{demo}/en/shop/")
    page.get_by_label("Staff e-mail address").fill("assistant@shop.simrenew.example")
    page.get_by_label("Password").fill("Shop-Assistant-2026")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Mobile number").fill(line.display)
    page.get_by_role("button", name="Find").click()

    page.get_by_role("link", name="Renew bundle").click()
    page.get_by_label(bundle.name_in("en")).check()
    page.get_by_label("Card on the counter terminal").check()
    page.get_by_role("button", name="See the price").click()
    price = format_money(bundle.price_amount, "EUR", "en")
    page.get_by_role("button", name=f"Charge {price} on the card terminal").click()

    expect(page.get_by_role("status")).to_contain_text("Waiting for the card on the terminal")
    assert Order.objects.count() == 0
    approve_on_the_terminal_screen(page, price)

    expect(page.get_by_text("Paid and done. The bundle or credit is on the line.")).to_be_visible(timeout=POLLED)
    sale = ShopSale.objects.select_related("order").get()
    assert (sale.order.kind, sale.method, sale.amount) == ("bundle", "terminal_card", bundle.price_amount)
    assert TerminalPayment.objects.get().terminal.provider_terminal_id == "term_sandbox0001"
    assert ledger.verify() == []
