"""Card payments on Mollie terminals under real concurrency (PostgreSQL, real transactions): Mollie's
webhook and the waiting page's polls settling the same paid payment at the same moment, and a card
approved as the deadline's cancel goes out, place the sale exactly once (one order, one ledger
journal, one receipt), at a kiosk and at a shop counter."""

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.kiosks import pointofsale as kiosk_pos
from simrenew.kiosks.models import KioskSale
from simrenew.kit import clock
from simrenew.ledger.models import Journal
from simrenew.lines.queries import balances
from simrenew.orders.models import Order, Receipt
from simrenew.payments.models import CardTerminal, TerminalOutcome, TerminalPayment
from simrenew.sandbox import service as sandbox
from simrenew.sandbox.models import SandboxPayment
from simrenew.shops import service as shops
from simrenew.shops.models import ShopSale
from tests.concurrency import race
from tests.factories import create_brand, create_bundle, create_line
from tests.kiosks.factories import create_kiosk, enrol_screen
from tests.sandbox.helpers import use_sandbox_terminals
from tests.shops.factories import create_shop, create_staff, staff_client

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so it cannot show row-lock races",
    ),
    pytest.mark.django_db(transaction=True),
]

COUNTER, KIOSK_READER = "term_sandbox0001", "term_sandbox0003"
WEBHOOK = "/payments/webhooks/mollie/terminal/"


def run_together(work: list[Callable[[], object]]) -> None:
    """Every callable in its own thread (and database connection), released at the same moment; each must succeed."""
    outcomes = race(len(work), lambda index: work[index]())
    assert [kind for kind, _ in outcomes] == ["ok"] * len(work), outcomes


@pytest.fixture
def mollie_terminals(live_server, settings):
    return use_sandbox_terminals(live_server, settings)


@pytest.fixture
def goods():
    brand = create_brand(code="acme", name="Acme Mobile")
    bundle = create_bundle(brand, price_amount=1500, names={"en": "Acme 15"})
    return create_line(brand, msisdn="+32470123456", credit=500), bundle


class Kiosk:
    """A kiosk sale: each poll from its own enrolled screen, as the kiosk's page script asks."""

    def __init__(self, line, bundle) -> None:
        self.line, self.bundle = line, bundle
        self.kiosk = create_kiosk("race")
        self.kiosk.card_terminal = CardTerminal.objects.get(provider_terminal_id=KIOSK_READER)
        self.kiosk.save()

    def start(self) -> TerminalPayment:
        return kiosk_pos.start_card_sale(kiosk=self.kiosk, line=self.line, product=self.bundle)

    def screen(self) -> Client:
        browser = Client()
        enrol_screen(browser, self.kiosk)
        return browser

    def status_url(self, payment: TerminalPayment) -> str:
        with translation.override("en"):
            return reverse("kiosk:card_wait_status", kwargs={"kiosk": self.kiosk.code, "reference": payment.reference})

    def sales(self) -> int:
        return KioskSale.objects.filter(kiosk=self.kiosk).count()


class Counter:
    """A shop desk sale: each poll from its own logged-in staff browser."""

    def __init__(self, line, bundle) -> None:
        self.line, self.bundle = line, bundle
        self.shop = create_shop("brussels", name="Brussels-Central")
        self.shop.card_terminal = CardTerminal.objects.get(provider_terminal_id=COUNTER)
        self.shop.save()
        self.staff = create_staff(self.shop, email="anna@staff.example")

    def start(self) -> TerminalPayment:
        return shops.start_card_sale(shop=self.shop, staff=self.staff, line=self.line, product=self.bundle)

    def screen(self) -> Client:
        return staff_client(self.staff)

    def status_url(self, payment: TerminalPayment) -> str:
        with translation.override("en"):
            return reverse("shop:card_payment_status", kwargs={"reference": payment.reference})

    def sales(self) -> int:
        return ShopSale.objects.filter(shop=self.shop).count()


@pytest.fixture(params=["kiosk", "counter"])
def seller(request, mollie_terminals, goods):
    return (Kiosk if request.param == "kiosk" else Counter)(*goods)


def approve_with_webhook_lost(payment: TerminalPayment, terminal_id: str) -> None:
    """The card is approved on the terminal, but Mollie's webhook has not come yet."""
    SandboxPayment.objects.filter(public_id=payment.provider_payment_id).update(webhook_url="")
    sandbox.act_on_terminal(terminal_id, payment.provider_payment_id, "approve")
    assert SandboxPayment.objects.get(public_id=payment.provider_payment_id).status == "paid"


def webhook(payment: TerminalPayment) -> Callable[[], None]:
    def post() -> None:
        assert Client().post(WEBHOOK, {"id": payment.provider_payment_id}).status_code == 200

    return post


def poll(seller, payment: TerminalPayment) -> Callable[[], None]:
    browser, status_url = seller.screen(), seller.status_url(payment)  # set up before the race

    def ask() -> None:
        response = browser.get(status_url)
        assert response.status_code == 200, response.content.decode()[:300]

    return ask


def terminal_of(seller) -> str:
    return KIOSK_READER if isinstance(seller, Kiosk) else COUNTER


def placed_once(seller, payment: TerminalPayment, journals_before: int) -> None:
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", TerminalOutcome.PLACED)
    order = Order.objects.get()
    assert payment.order_id == order.pk and seller.sales() == 1
    assert Receipt.objects.filter(order=order).count() == 1 and Receipt.objects.count() == 1
    assert Journal.objects.count() == journals_before + 1
    assert balances(seller.line).credit_amount == 500  # a bundle: the line's credit is not touched


def test_the_webhook_and_the_waiting_pages_settle_a_paid_payment_once(seller):
    payment = seller.start()
    approve_with_webhook_lost(payment, terminal_of(seller))
    journals = Journal.objects.count()
    # The webhook arrives twice (Mollie retries) while two screens poll: the webhooks always ask
    # Mollie, and one poll gets through its rate limit, so three settle at the same moment.
    work = [webhook(payment), webhook(payment), poll(seller, payment), poll(seller, payment)]
    run_together(work)
    placed_once(seller, payment, journals)


def webhook_once_cancelled(payment: TerminalPayment) -> Callable[[], None]:
    """The late webhook, posted as soon as a waiting page has sent the deadline's cancel (so that the
    cancel goes out however the threads are scheduled, and the settling still races)."""
    post = webhook(payment)

    def after_the_cancel() -> None:
        give_up = time.monotonic() + 10
        while not TerminalPayment.objects.filter(pk=payment.pk, cancel_requested_at__isnull=False).exists():
            assert time.monotonic() < give_up, "no waiting page sent the deadline's cancel"
            time.sleep(0.005)
        post()

    return after_the_cancel


def test_a_card_approved_as_the_deadline_cancels_stands_and_is_placed_once(seller, settings):
    """The card was approved just before the deadline; its webhook is late. The waiting pages, past the
    deadline, cancel at Mollie (refused: it is paid) while the late webhook comes in: sold once."""
    payment = seller.start()
    approve_with_webhook_lost(payment, terminal_of(seller))
    journals = Journal.objects.count()
    late = clock.now() + timedelta(seconds=settings.TERMINAL_PAYMENT_TIMEOUT_SECONDS + 1)
    work = [poll(seller, payment), poll(seller, payment), poll(seller, payment), webhook_once_cancelled(payment)]
    with time_machine.travel(late, tick=True):
        # Mollie was just asked (its webhook lost), so no page asks again before it cancels: without
        # this, a page that got the poll would place the sale first and nothing would be cancelled.
        TerminalPayment.objects.filter(pk=payment.pk).update(checked_at=clock.now())
        run_together(work)
    payment.refresh_from_db()
    assert payment.cancel_requested_at is not None  # the deadline's cancel did go out
    placed_once(seller, payment, journals)


def test_an_approval_racing_the_deadlines_cancel_is_either_sold_once_or_not_charged(seller, settings):
    """The customer taps the card at the very moment the waiting pages cancel at the deadline: Mollie
    takes one of the two. Paid: sold exactly once. Cancelled: nothing charged, nothing sold."""
    payment = seller.start()
    journals = Journal.objects.count()
    terminal_id = terminal_of(seller)

    def tap() -> None:
        try:
            sandbox.act_on_terminal(terminal_id, payment.provider_payment_id, "approve")
        except sandbox.ApiError as refused:  # the cancel came first
            assert refused.status == 422

    late = clock.now() + timedelta(seconds=settings.TERMINAL_PAYMENT_TIMEOUT_SECONDS + 1)
    work = [tap, poll(seller, payment), poll(seller, payment)]
    with time_machine.travel(late, tick=True):
        run_together(work)
        for _ in range(2):  # the pages keep asking until it is over (the webhook, when paid, too)
            seller.screen().get(seller.status_url(payment))
    remote = SandboxPayment.objects.get(public_id=payment.provider_payment_id).status
    if remote == "paid":
        placed_once(seller, payment, journals)
    else:
        assert remote == "canceled"
        payment.refresh_from_db()
        assert (payment.status, payment.outcome) == ("canceled", TerminalOutcome.NOT_PAID)
        assert Order.objects.count() == 0 and seller.sales() == 0 and Receipt.objects.count() == 0
        assert Journal.objects.count() == journals


def test_sales_started_at_once_on_one_terminal_start_one_payment(seller):
    # Four sales confirmed at the same moment on one terminal (two staff at one counter, a double tap):
    # the terminal shows one payment, so one starts and the others are told it is busy.
    outcomes = race(4, lambda _index: seller.start().reference)
    assert sorted(kind for kind, _ in outcomes) == ["TerminalBusy"] * 3 + ["ok"]
    assert TerminalPayment.objects.count() == 1 and SandboxPayment.objects.count() == 1
