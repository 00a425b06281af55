"""Races on PostgreSQL: each page that takes money gets its confirm five times at once with one form
key (a cashier's double press, a browser that resends). Exactly one sale, one ledger journal, the
float or credit moved once, and all five answers show the same receipt.

Each request runs in its own thread with its own connection, through the whole page (session,
login or kiosk screen, view, form key). SQLite serialises every writer, so these run only with
DATABASE_URL=postgres://….
"""

import copy
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

from simrenew.kiosks.models import KioskSale
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal
from simrenew.lines.queries import balances
from simrenew.retail import service as retail
from simrenew.retail.models import Sale
from simrenew.shops import service as shops
from simrenew.shops.models import ShopSale
from simrenew.terminals.models import IdempotentCall
from tests.concurrency import race
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk, enrol_screen
from tests.retail.factories import create_cashier, create_outlet, create_retailer, set_rate
from tests.shops.factories import create_shop, create_staff, staff_client
from tests.web.form_keys import confirmation, form_key

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"),
    pytest.mark.django_db(transaction=True),
]

TIMES = 5


def same_browser(client: Client, count: int = TIMES) -> list[Client]:
    """`count` clients with the cookies of `client` (its login, or its kiosk screen)."""
    copies = []
    for _ in range(count):
        twin = Client()
        twin.cookies = copy.deepcopy(client.cookies)
        copies.append(twin)
    return copies


def at_once(clients: list[Client], send: Callable[[Client], object]) -> list[object]:
    """Each client sends at the same moment, from its own thread; their (status, Location), or what went
    wrong instead."""

    def run(index: int) -> tuple[int, str]:
        response = send(clients[index])
        return response.status_code, response.get("Location", "")  # type: ignore[attr-defined]

    return [answer if kind == "ok" else (kind, answer) for kind, answer in race(len(clients), run)]


@pytest.fixture
def brand():
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand)
    create_bundle(brand, code="base-15", price_amount=1500)
    return brand


@pytest.fixture
def line(brand):
    return create_line(brand, msisdn="+32470123456", credit=500)


def test_a_pos_top_up_confirmed_five_times_at_once_sells_once(brand, line):
    # given a cashier on the confirm page of a 20.00 top-up
    retailer = create_retailer(float_amount=10_000)
    set_rate(retailer, brand, 300)
    cashier = Client()
    cashier.force_login(create_cashier(create_outlet(retailer)))
    number = line.msisdn.lstrip("+")
    page = cashier.get("/en/pos/sell/confirm/", {"number": number, "choice": "topup:2000"})
    form = {"number": number, "choice": "topup:2000", "form_key": form_key(page)}
    journals = Journal.objects.count()
    # when the confirm is sent five times at once
    answers = at_once(same_browser(cashier), lambda client: client.post("/en/pos/sell/confirm/", form))
    # then one sale, one journal, the float and credit moved once, and five times the same receipt
    sale = Sale.objects.get()
    assert answers == [(302, f"/en/pos/sales/{sale.number}/")] * TIMES
    assert Journal.objects.count() == journals + 1
    assert retail.float_balance(retailer) == 10_000 - 2000 + 60
    assert balances(line).credit_amount == 500 + 2000
    assert IdempotentCall.objects.count() == 1
    assert ledger.verify() == []


@pytest.mark.parametrize("kind", ["renew", "topup"])
def test_a_shop_cash_sale_confirmed_five_times_at_once_sells_once(brand, line, kind):
    # given a shop assistant who has seen the price of a cash sale
    shop = create_shop("brussels")
    assistant = staff_client(create_staff(shop))
    page = f"/en/shop/lines/{line.pk}/{kind}/"
    fields = {"method": "cash"}
    fields |= {"product": brand.products.get(code="base-15").pk} if kind == "renew" else {"amount": 2000}
    quote = assistant.post(page, fields)
    form = {**fields, **confirmation(quote)}
    journals = Journal.objects.count()
    # when the confirm is sent five times at once
    answers = at_once(same_browser(assistant), lambda client: client.post(page, form))
    # then one sale into the till, one journal, and five times the same sale page
    sale = ShopSale.objects.get()
    assert answers == [(302, f"/en/shop/sales/{sale.order.number}/")] * TIMES
    assert Journal.objects.count() == journals + 1
    price = 1500 if kind == "renew" else 2000
    assert ledger.balance(shops.till_account(shop)) == -price
    assert balances(line).credit_amount == (500 if kind == "renew" else 2500)
    assert ledger.verify() == []


def test_a_kiosk_cash_top_up_finished_five_times_at_once_credits_once(line):
    # given an enrolled kiosk screen with 10.00 inserted for a top-up
    kiosk = create_kiosk("airport")
    screen = Client()
    enrol_screen(screen, kiosk)
    ref = screen.post(f"/en/kiosk/{kiosk.code}/number/topup/", {"number": "0470 12 34 56"}).url
    cash_url = screen.post(ref, {"pay": "cash"}).url
    screen.post(cash_url, {"insert": "1000", "form_key": form_key(screen.get(cash_url))})
    form = {"finish": "1", "form_key": form_key(screen.get(cash_url))}
    journals = Journal.objects.count()
    # when "Top up" is sent five times at once
    answers = at_once(same_browser(screen), lambda client: client.post(cash_url, form))
    # then one top-up of 10.00, one journal, and five times the same done page
    assert answers == [(302, f"{cash_url}done/")] * TIMES
    assert KioskSale.objects.count() == 1
    assert Journal.objects.count() == journals + 1
    assert balances(line).credit_amount == 500 + 1000
    assert ledger.verify() == []


def test_a_kiosk_card_payment_sent_five_times_at_once_charges_once(line):
    # given an enrolled kiosk screen on the card page of a 15.00 top-up
    kiosk = create_kiosk("airport")
    screen = Client()
    enrol_screen(screen, kiosk)
    ref = screen.post(f"/en/kiosk/{kiosk.code}/number/topup/", {"number": "0470 12 34 56"}).url
    card_url = ref.replace("/topup/", "/card/") + "?amount=1500"
    form = {"amount": "1500", "outcome": "approve", "form_key": form_key(screen.get(card_url))}
    # when it is sent five times at once (the card is charged outside any transaction: claimed first)
    answers = at_once(same_browser(screen), lambda client: client.post(card_url, form))
    # then one charge and sale, and every answer waits for it and shows its receipt
    sale = KioskSale.objects.get()
    receipt = f"/en/kiosk/{kiosk.code}/done/{sale.order.number}/?code={sale.order.receipt.verification_code}"
    assert answers == [(302, receipt)] * TIMES
    assert balances(line).credit_amount == 500 + 1500
    assert ledger.verify() == []


def test_a_portal_renewal_from_credit_sent_five_times_at_once_buys_one_bundle(brand):
    from django.urls import reverse

    from simrenew.orders.models import Order
    from tests.factories import create_customer, link

    bundle = create_bundle(brand, price_amount=1500)
    line = create_line(brand, credit=10000)  # enough for six bundles: only the key stops a second
    customer = create_customer(email="twice@example.be")
    link(customer, line)
    browser = Client()
    browser.force_login(customer)
    page = reverse("portal:renew", kwargs={"line_id": line.pk})
    priced = confirmation(browser.get(f"{page}?product={bundle.pk}&method=credit"))
    data = {"product": str(bundle.pk), "method": "credit", **priced}

    answers = at_once(same_browser(browser), lambda client: client.post(page, data))

    order = Order.objects.get(line=line)
    assert answers == [(302, f"/en/orders/{order.number}/")] * TIMES
    assert balances(line).credit_amount == 10000 - 1500
    assert Journal.objects.filter(key=f"order:{order.pk}:fulfil").count() == 1
