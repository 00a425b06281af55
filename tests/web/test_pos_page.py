"""The cashier's POS page: login, number → product → confirm → receipt, PIN sale, void, settlement."""

import re

import pytest
from django.test import Client

from simrenew.lines.queries import balances
from simrenew.retail import service as retail
from simrenew.retail.models import Sale, SaleStatus
from tests.factories import (
    DEFAULT_PASSWORD,
    create_brand,
    create_bundle,
    create_customer,
    create_line,
    create_topup_product,
)
from tests.retail.factories import create_cashier, create_outlet, create_retailer, set_rate
from tests.web.form_keys import form_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def till(client: Client):
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand)
    create_bundle(brand, code="base-15", price_amount=1500)
    retailer = create_retailer(float_amount=10_000, name="Delhaize")
    set_rate(retailer, brand, 300)
    outlet = create_outlet(retailer, name="Leuven")
    cashier = create_cashier(outlet)
    client.force_login(cashier)
    return {"client": client, "line": create_line(brand), "retailer": retailer, "outlet": outlet, "cashier": cashier}


def test_the_till_asks_for_a_login(client):
    response = client.get("/en/pos/")
    assert response.status_code == 302 and "/en/pos/login/" in response["Location"]


def test_a_cashier_logs_in(client):
    outlet = create_outlet(create_retailer())
    user = create_cashier(outlet, email="kassa@shop.example")
    response = client.post("/en/pos/login/", {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/en/pos/"


def test_a_customer_login_is_not_a_cashier(client):
    client.force_login(create_customer())
    assert client.get("/en/pos/").status_code == 403


def test_sell_a_top_up_number_product_confirm_receipt(till):
    client, line = till["client"], till["line"]
    page = client.get("/en/pos/", {"number": line.display})
    assert page.status_code == 302
    choose = client.get(page["Location"])
    assert b"BASE" in choose.content and b'value="topup:2000"' in choose.content
    confirm = client.get("/en/pos/sell/confirm/", {"number": line.msisdn.lstrip("+"), "choice": "topup:2000"})
    assert confirm.status_code == 200
    token = form_key(confirm)
    form = {"number": line.msisdn.lstrip("+"), "choice": "topup:2000", "form_key": token}
    sold = client.post("/en/pos/sell/confirm/", form)
    assert sold.status_code == 302
    sale = Sale.objects.get()
    assert sold["Location"] == f"/en/pos/sales/{sale.number}/"
    receipt = client.get(sold["Location"])
    text = receipt.content.decode()
    assert sale.order.receipt.number in text and sale.order.receipt.verification_code in text
    assert balances(line).credit_amount == 2000
    # the same confirm page submitted again does not sell twice
    again = client.post("/en/pos/sell/confirm/", form)
    assert again["Location"] == sold["Location"] and Sale.objects.count() == 1


def test_an_unknown_number_is_explained(till):
    response = till["client"].get("/en/pos/", {"number": "0499 99 99 99"})
    assert response.status_code == 200
    assert "not a line of ours" in response.content.decode()


def test_sell_a_pin_shows_it_once(till):
    client = till["client"]
    confirm = client.get("/en/pos/sell/confirm/", {"choice": "pin:base:1500"})
    token = form_key(confirm)
    response = client.post("/en/pos/sell/confirm/", {"choice": "pin:base:1500", "form_key": token})
    assert response.status_code == 200
    text = response.content.decode()
    pin = re.search(r'class="pin-code"[^>]*>(\d{13,15})<', text).group(1)
    assert "TOPUP" in text and "1914" in text
    sale = Sale.objects.get()
    reprint = client.get(f"/en/pos/sales/{sale.number}/").content.decode()
    assert pin not in reprint and sale.voucher.last_digits in reprint


def test_a_float_that_does_not_cover_shows_the_reason(till):
    retailer = create_retailer(float_amount=500)
    outlet = create_outlet(retailer)
    client = Client()
    client.force_login(create_cashier(outlet))
    line = till["line"]
    confirm = client.get("/en/pos/sell/confirm/", {"number": line.msisdn.lstrip("+"), "choice": "topup:2000"})
    token = form_key(confirm)
    response = client.post(
        "/en/pos/sell/confirm/", {"number": line.msisdn.lstrip("+"), "choice": "topup:2000", "form_key": token}
    )
    assert response.status_code == 409
    assert "float does not cover" in response.content.decode()
    assert Sale.objects.count() == 0 and retail.float_balance(retailer) == 500


def test_void_and_settlement(till):
    client, line = till["client"], till["line"]
    confirm = client.get("/en/pos/sell/confirm/", {"number": line.msisdn.lstrip("+"), "choice": "bundle:base-15"})
    token = form_key(confirm)
    client.post(
        "/en/pos/sell/confirm/", {"number": line.msisdn.lstrip("+"), "choice": "bundle:base-15", "form_key": token}
    )
    sale = Sale.objects.get()
    response = client.post(f"/en/pos/sales/{sale.number}/void/", follow=True)
    assert "is voided" in response.content.decode()
    assert Sale.objects.get().status == SaleStatus.VOIDED
    page = client.get("/en/pos/settlement/", {"scope": "retailer"})
    assert "Reconciled with the ledger." in page.content.decode()
    csv = client.get("/en/pos/settlement/", {"scope": "retailer", "format": "csv"})
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("date,time,retailer,outlet,event")
    assert any(",sale," in row for row in lines) and any(",void," in row for row in lines)
    assert lines[-1].endswith(f",{retail.float_balance(till['retailer'])},")


def test_admin_settlement_and_float_top_up(admin_client, till):
    retailer = till["retailer"]
    page = admin_client.get(f"/en/admin/retail/retailer/{retailer.pk}/settlement/")
    assert page.status_code == 200 and "Reconciled with the ledger." in page.content.decode()
    added = admin_client.post(
        "/en/admin/retail/floatdeposit/add/", {"retailer": retailer.pk, "amount_euros": "250.00", "reference": "wire 7"}
    )
    assert added.status_code == 302
    assert retail.float_balance(retailer) == 10_000 + 25_000
