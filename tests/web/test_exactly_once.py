"""Every page that takes money takes it once per confirm: the same form sent again (a double press, a
reload) shows the first result; the same key with other details is refused; a form without its key
sells nothing. The races (five at once) are in test_exactly_once_pg.py."""

import re

import pytest
from django.db import transaction
from django.test import Client

from simrenew.kiosks.models import CashSession, KioskSale
from simrenew.ledger.models import Account, Journal, Posting
from simrenew.lines.queries import balances
from simrenew.retail import service as retail
from simrenew.retail.models import Sale
from simrenew.shops.models import ShopSale
from simrenew.terminals.models import IdempotentCall
from simrenew.vouchers.models import Voucher, VoucherState
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk, enrol_screen
from tests.retail.factories import create_cashier, create_outlet, create_retailer, set_rate
from tests.shops.factories import create_shop, create_staff, staff_client
from tests.vouchers.factories import sell_pin
from tests.web.form_keys import confirmation, form_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand():
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand)
    create_bundle(brand, code="base-15", price_amount=1500)
    return brand


@pytest.fixture
def line(brand):
    return create_line(brand, msisdn="+32470123456", credit=500)


def state() -> tuple:
    """Everything a sale changes."""
    return (
        Sale.objects.count(),
        ShopSale.objects.count(),
        KioskSale.objects.count(),
        Journal.objects.count(),
        Posting.objects.count(),
        IdempotentCall.objects.count(),
        tuple(CashSession.objects.order_by("pk").values_list("status", "inserted_amount")),
        tuple(Account.objects.order_by("id").values_list("code", "balance_amount")),
    )


def alerts(response) -> str:
    return " ".join(re.findall(r'role="alert">\s*(?:<p>)?([^<]+)', response.content.decode()))


# --- The POS page --------------------------------------------------------------------------------


@pytest.fixture
def till(brand):
    retailer = create_retailer(float_amount=10_000)
    set_rate(retailer, brand, 300)
    client = Client()
    client.force_login(create_cashier(create_outlet(retailer)))
    return client, retailer


CONFIRM = "/en/pos/sell/confirm/"


def pos_form(client: Client, choice: str, number: str = "32470123456") -> dict[str, str]:
    """The confirm page's form, with the key it rendered."""
    page = client.get(CONFIRM, {"number": number, "choice": choice})
    return {"number": number, "choice": choice, "form_key": form_key(page)}


def test_a_pos_top_up_sent_twice_sells_once_and_shows_the_same_receipt(till, line):
    client, retailer = till
    form = pos_form(client, "topup:2000")
    first = client.post(CONFIRM, form)
    again = client.post(CONFIRM, form)
    sale = Sale.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/en/pos/sales/{sale.number}/"
    assert balances(line).credit_amount == 500 + 2000
    assert retail.float_balance(retailer) == 10_000 - 2000 + 60  # less the 3 % commission, once


def test_a_pin_sent_again_shows_the_receipt_without_the_pin(till):
    client, _retailer = till
    form = pos_form(client, "pin:base:1500", number="")
    first = client.post(CONFIRM, form)
    pin = re.search(r'class="pin-code"[^>]*>(\d{13,15})<', first.content.decode()).group(1)
    again = client.post(CONFIRM, form)
    sale = Sale.objects.get()
    assert again.status_code == 302 and again["Location"] == f"/en/pos/sales/{sale.number}/"
    assert pin not in client.get(again["Location"]).content.decode()
    assert Voucher.objects.count() == 1


def test_the_same_pos_key_with_another_product_is_refused_and_changes_nothing(till, line):
    client, _retailer = till
    form = pos_form(client, "topup:2000")
    client.post(CONFIRM, form)
    before = state()
    refused = client.post(CONFIRM, {**form, "choice": "topup:1000"})
    assert refused.status_code == 409
    assert "This form was already sent with other details. Go back and start again." in alerts(refused)
    assert state() == before


def test_a_pos_confirm_without_its_key_sells_nothing(till, line):
    client, _retailer = till
    before = state()
    refused = client.post(CONFIRM, {"number": "32470123456", "choice": "topup:2000"})
    assert refused.status_code == 400
    assert "This page is out of date. Go back, check the details and confirm again." in alerts(refused)
    assert state() == before


def test_a_refused_pos_sale_leaves_its_key_for_a_retry(brand, line):
    retailer = create_retailer(float_amount=500)
    client = Client()
    client.force_login(create_cashier(create_outlet(retailer)))
    form = pos_form(client, "topup:2000")
    assert client.post(CONFIRM, form).status_code == 409  # the float does not cover it
    with transaction.atomic():
        retail.top_up_float(retailer=retailer, amount=5000, reference="wire")
    sold = client.post(CONFIRM, form)
    assert sold.status_code == 302 and Sale.objects.count() == 1


def test_a_pos_key_belongs_to_its_cashier(till, line):
    client, retailer = till
    form = pos_form(client, "topup:2000")
    first = client.post(CONFIRM, form)
    colleague = Client()
    colleague.force_login(create_cashier(create_outlet(retailer)))
    theirs = colleague.post(CONFIRM, form)  # another login never gets someone else's receipt
    assert theirs["Location"] != first["Location"] and Sale.objects.count() == 2


# --- The shop desk -------------------------------------------------------------------------------


@pytest.fixture
def desk():
    shop = create_shop("brussels")
    return staff_client(create_staff(shop)), shop


def shop_form(client: Client, page: str, fields: dict) -> dict:
    """The form after "See the price", with the key that page rendered, confirmed."""
    quote = client.post(page, fields)
    return {**fields, **confirmation(quote)}


@pytest.mark.parametrize(
    ("kind", "fields", "credit"),
    [
        ("topup", {"amount": 2000, "method": "cash"}, 2500),
        ("topup", {"amount": 2000, "method": "terminal_card", "terminal_outcome": "approve"}, 2500),
        ("renew", {"method": "cash"}, 500),
    ],
)
def test_a_shop_sale_sent_twice_sells_once(desk, brand, line, kind, fields, credit):
    client, _shop = desk
    page = f"/en/shop/lines/{line.pk}/{kind}/"
    if kind == "renew":
        fields = {**fields, "product": brand.products.get(code="base-15").pk}
    form = shop_form(client, page, fields)
    journals = Journal.objects.count()
    first = client.post(page, form)
    again = client.post(page, form)
    sale = ShopSale.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/en/shop/sales/{sale.order.number}/"
    assert balances(line).credit_amount == credit
    assert Journal.objects.count() == journals + 1


def test_the_same_shop_key_with_another_amount_is_refused_and_changes_nothing(desk, line):
    client, _shop = desk
    page = f"/en/shop/lines/{line.pk}/topup/"
    form = shop_form(client, page, {"amount": 2000, "method": "cash"})
    client.post(page, form)
    before = state()
    # The price of the other amount confirmed, with the key already used for the first
    priced_again = confirmation(client.post(page, {"amount": 1000, "method": "cash"}))["confirm"]
    refused = client.post(page, {**form, "amount": 1000, "confirm": priced_again})
    assert refused.status_code == 200
    assert "This form was already sent with other details. Go back and start again." in alerts(refused)
    assert state() == before


@pytest.mark.parametrize("kind", ["topup", "renew"])
def test_a_choice_changed_after_its_price_was_shown_sells_nothing(desk, brand, line, kind):
    """The assistant sees the price of one sale, picks another without asking its price, and confirms:
    nothing is sold, and the price of what is picked now is shown to confirm."""
    client, _shop = desk
    page = f"/en/shop/lines/{line.pk}/{kind}/"
    if kind == "topup":
        shown, picked = {"amount": 1000, "method": "cash"}, {"amount": 2000}
    else:
        shown = {"product": brand.products.get(code="base-15").pk, "method": "cash"}
        picked = {"product": create_bundle(brand, code="base-25", price_amount=2500).pk}
    form = shop_form(client, page, shown)
    before = state()
    refused = client.post(page, {**form, **picked})
    assert refused.status_code == 200
    assert "The price changed since it was shown. Nothing was charged; please check the new price." in alerts(refused)
    assert state() == before
    assert ShopSale.objects.count() == 0
    # the new price is shown, and confirming it sells what is picked now
    sold = client.post(page, {**form, **picked, **confirmation(refused)})
    assert sold.status_code == 302
    assert ShopSale.objects.get().order.list_amount == (2000 if kind == "topup" else 2500)


def test_a_declined_card_at_the_desk_frees_its_key(desk, line):
    client, _shop = desk
    page = f"/en/shop/lines/{line.pk}/topup/"
    form = shop_form(client, page, {"amount": 2000, "method": "terminal_card", "terminal_outcome": "decline"})
    before = state()
    assert "The card was declined." in alerts(client.post(page, form))
    assert state() == before  # no pending key left behind either


# --- The kiosk -----------------------------------------------------------------------------------


@pytest.fixture
def screen():
    kiosk = create_kiosk("airport")
    client = Client()
    enrol_screen(client, kiosk)
    return client, kiosk


def ref_url(client: Client, kiosk, action: str) -> str:
    response = client.post(f"/en/kiosk/{kiosk.code}/number/{action}/", {"number": "0470 12 34 56"})
    assert response.status_code == 302
    return response.url


def test_a_kiosk_cash_top_up_sent_twice_credits_once(screen, line):
    client, kiosk = screen
    cash_url = client.post(ref_url(client, kiosk, "topup"), {"pay": "cash"}).url
    insert = {"insert": "1000", "form_key": form_key(client.get(cash_url))}
    assert client.post(cash_url, insert).status_code == client.post(cash_url, insert).status_code == 302
    assert CashSession.objects.get().inserted_amount == 1000  # one note, counted once
    finish = {"finish": "1", "form_key": form_key(client.get(cash_url))}
    first = client.post(cash_url, finish)
    again = client.post(cash_url, finish)
    assert first["Location"] == again["Location"] == f"{cash_url}done/"
    assert KioskSale.objects.count() == 1 and balances(line).credit_amount == 500 + 1000


def test_a_kiosk_card_payment_sent_twice_charges_once(screen, line):
    client, kiosk = screen
    card_url = ref_url(client, kiosk, "topup").replace("/topup/", "/card/") + "?amount=1500"
    form = {"amount": "1500", "outcome": "approve", "form_key": form_key(client.get(card_url))}
    first = client.post(card_url, form)
    again = client.post(card_url, form)
    sale = KioskSale.objects.get()
    assert first["Location"] == again["Location"]
    assert first["Location"].startswith(f"/en/kiosk/{kiosk.code}/done/{sale.order.number}/?code=")
    assert balances(line).credit_amount == 500 + 1500


def test_a_voucher_sent_twice_shows_the_first_result_not_a_used_pin(screen, line):
    client, kiosk = screen
    issued = sell_pin(line.brand, 1500)
    voucher_url = ref_url(client, kiosk, "voucher")
    form = {"pin": issued.pin, "form_key": form_key(client.get(voucher_url))}
    first = client.post(voucher_url, form)
    again = client.post(voucher_url, form)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Voucher.objects.get().state == VoucherState.REDEEMED
    assert balances(line).credit_amount == 500 + 1500


def test_a_kiosk_key_belongs_to_its_screen(screen, line):
    client, kiosk = screen
    cash_url = client.post(ref_url(client, kiosk, "topup"), {"pay": "cash"}).url
    insert = {"insert": "500", "form_key": form_key(client.get(cash_url))}
    client.post(cash_url, insert)
    second_screen = Client()
    enrol_screen(second_screen, kiosk)
    second_screen.post(cash_url, insert)  # the same key from another screen is its own press
    assert CashSession.objects.get().inserted_amount == 1000
