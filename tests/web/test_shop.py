"""The shop desk through Django's test client: staff only, managers only where it says so, every
action audited, bad input changes nothing, sales into the till, receipts, pages in every language."""

import re

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.audit.models import AuditEntry
from simrenew.identity.models import Identification
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, AccountKind, Journal, Posting
from simrenew.lines.models import IdentityStatus
from simrenew.lines.queries import balances
from simrenew.orders.models import Order
from simrenew.shops import service as shops
from simrenew.shops.models import ShopSale
from tests.factories import (
    DEFAULT_PASSWORD,
    create_brand,
    create_bundle,
    create_customer,
    create_line,
    create_topup_product,
)
from tests.shops.factories import STAFF_PASSWORD, create_shop, create_staff, eid_number, staff_client
from tests.web.form_keys import confirmation

pytestmark = pytest.mark.django_db
LANGUAGES = [code for code, _ in settings.LANGUAGES]


def url(name: str, language: str = "en", **kwargs: object) -> str:
    with translation.override(language):
        return reverse(f"shop:{name}", kwargs=kwargs or None)


@pytest.fixture
def brand():
    return create_brand(code="acme", name="Acme Mobile")


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, price_amount=1500, names={"en": "Acme 15"})


@pytest.fixture
def topup_product(brand):
    return create_topup_product(brand)


@pytest.fixture
def shop():
    return create_shop("brussels", name="Brussels-Central")


@pytest.fixture
def assistant(shop):
    return create_staff(shop, email="anna@staff.example")


@pytest.fixture
def manager(shop):
    return create_staff(shop, role=shops.MANAGER, email="marc@staff.example")


@pytest.fixture
def line(brand):
    return create_line(brand, msisdn="+32470123456", credit=500)


def state() -> tuple:
    return (
        Order.objects.count(),
        Journal.objects.count(),
        Posting.objects.count(),
        ShopSale.objects.count(),
        Identification.objects.count(),
        tuple(Account.objects.order_by("id").values_list("code", "balance_amount")),
    )


def sell(client: Client, page_url: str, form: dict) -> HttpResponse:
    """As staff do: see the price, then confirm with the key that page rendered."""
    quote = client.post(page_url, form)
    return client.post(page_url, {**form, **confirmation(quote)})


def errors(response) -> list[str]:
    return [
        re.sub(r"\s+", " ", e).strip()
        for e in re.findall(r'role="alert">(?:\s*<p>)?([^<]+)', response.content.decode())
    ]


# --- Who gets in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["desk", "till", "audit"])
def test_anonymous_visitors_are_sent_to_the_staff_login(client, page):
    response = client.get(url(page, "fr"))
    assert response.status_code == 302
    assert response.url.startswith(url("login", "fr") + "?next=")


def test_a_customer_cannot_log_into_the_shop_desk(client):
    customer = create_customer(email="customer@example.be")
    response = client.post(url("login"), {"username": customer.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert "This is not a shop staff account. Customers use the self-service portal." in response.content.decode()
    assert client.get(url("desk")).status_code == 302  # still not in


def test_a_customer_logged_into_the_portal_is_sent_to_the_staff_login(shop, line):
    customer = create_customer()
    client = staff_client(customer)  # a portal session
    for page in (url("desk"), url("line", line_id=line.pk), url("renew", line_id=line.pk), url("audit")):
        response = client.get(page)
        assert response.status_code == 302 and response.url.startswith(url("login"))


def test_staff_log_in_with_their_password_and_it_is_audited(client, assistant):
    response = client.post(
        url("login"), {"username": "ANNA@staff.example", "password": STAFF_PASSWORD}, REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 302 and response.url == url("desk")
    entry = AuditEntry.objects.get(action="shop.login")
    assert (entry.user, entry.ip_address) == (assistant, "192.0.2.7")


def test_a_wrong_staff_password_is_refused(client, assistant):
    response = client.post(url("login"), {"username": assistant.email, "password": "wrong"})
    assert response.status_code == 200
    assert "That e-mail address and password do not match a staff account." in response.content.decode()


def test_an_assistant_cannot_read_the_audit_log_and_the_attempt_is_audited(assistant):
    response = staff_client(assistant).get(url("audit"))
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="shop.refused", user=assistant).count() == 1


def test_a_manager_reads_the_audit_log_of_their_shop_only(assistant, manager, line):
    other_shop = create_shop("antwerp")
    stranger = create_staff(other_shop)
    staff_client(assistant).get(url("line", line_id=line.pk), REMOTE_ADDR="192.0.2.44")
    staff_client(stranger).get(url("line", line_id=line.pk))
    response = staff_client(manager).get(url("audit"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "shop.line_viewed" in page and assistant.email in page and "192.0.2.44" in page
    assert stranger.email not in page


def test_the_audit_log_page_cannot_change_anything(manager):
    before = AuditEntry.objects.count()
    response = staff_client(manager).post(url("audit"), {"action": "x"})
    assert response.status_code == 405
    assert AuditEntry.objects.count() == before


# --- Finding and identifying -------------------------------------------------------------------


def test_find_a_line_by_number_in_any_usual_form(assistant, line):
    client = staff_client(assistant)
    response = client.get(url("desk"), {"number": "0032 470 12 34 56"})
    assert response.status_code == 302 and response.url == url("line", line_id=line.pk)
    page = client.get(response.url).content.decode()
    assert "0470 12 34 56" in page and "Acme Mobile" in page
    assert AuditEntry.objects.filter(action="shop.line_viewed", target=f"line:{line.pk}", user=assistant).exists()


def test_an_unknown_number_says_so(assistant):
    response = staff_client(assistant).get(url("desk"), {"number": "0499 99 99 99"})
    assert response.status_code == 200
    assert "No line of ours has this number. Check it with the customer." in response.content.decode()


def identify_form(**overrides):
    data = {
        "document_type": "be_eid",
        "document_number": eid_number(),
        "nationality": "BE",
        "date_of_birth": "1990-04-01",
        "checked_in_person": "on",
    }
    data.update(overrides)
    return data


def test_identify_the_holder_shows_only_a_masked_number(assistant, line):
    client = staff_client(assistant)
    response = client.post(url("identify", line_id=line.pk), identify_form(), REMOTE_ADDR="192.0.2.8")
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.identity_status == IdentityStatus.IDENTIFIED
    page = client.get(url("line", line_id=line.pk)).content.decode()
    assert "•••••••••753" in page
    assert "591123456753" not in page and "1234567" not in page
    assert "1990" in page and "04-01" not in page and "01/04" not in page
    entry = AuditEntry.objects.get(action="shop.holder_identified")
    assert (entry.user, entry.target, entry.ip_address) == (assistant, f"line:{line.pk}", "192.0.2.8")
    assert "591123456753" not in str(entry.details)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"document_number": "591-1234567-54"}, "This document number is not valid for this type of document."),
        ({"nationality": "FR"}, "This type of document is not issued to holders of this nationality."),
        ({"date_of_birth": "2999-01-01"}, "This date of birth is not possible."),
        ({"date_of_birth": "not a date"}, "Enter a valid date."),
        ({"nationality": "XX"}, "Select a valid choice."),
        ({"checked_in_person": ""}, "Tick the box once you have checked the original document in person."),
    ],
)
def test_bad_identification_input_changes_nothing(assistant, line, overrides, message):
    before, audited = state(), AuditEntry.objects.filter(action="shop.holder_identified").count()
    response = staff_client(assistant).post(url("identify", line_id=line.pk), identify_form(**overrides))
    assert response.status_code == 200
    assert any(message in error for error in errors(response)), errors(response)
    assert state() == before
    assert AuditEntry.objects.filter(action="shop.holder_identified").count() == audited
    line.refresh_from_db()
    assert line.identity_status == IdentityStatus.UNIDENTIFIED


# --- Selling -----------------------------------------------------------------------------------


def test_renew_for_cash_then_print_the_receipt(assistant, shop, line, bundle):
    client = staff_client(assistant)
    quote = client.post(url("renew", line_id=line.pk), {"product": bundle.pk, "method": "cash"})
    assert quote.status_code == 200 and "Take €15.00 in cash" in quote.content.decode()
    assert Order.objects.count() == 0
    done = client.post(
        url("renew", line_id=line.pk),
        {"product": bundle.pk, "method": "cash", **confirmation(quote)},
    )
    order = Order.objects.get()
    assert done.status_code == 302 and done.url == url("sale", number=order.number)
    assert ledger.balance(ledger.account(shop.till_account_code, AccountKind.SHOP_CASH)) == -1500
    receipt = client.get(url("receipt", number=order.number))
    page = receipt.content.decode()
    assert receipt.status_code == 200
    assert order.receipt.number in page and order.receipt.verification_code in page
    assert "0470 •• •• 56" in page and "@page { size: 80mm auto" in page
    assert AuditEntry.objects.filter(action="shop.receipt_printed", user=assistant).count() == 1


def test_top_up_by_card_approved_and_declined(assistant, shop, line, topup_product):
    client = staff_client(assistant)
    form = {"amount": 2000, "method": "terminal_card"}
    before = state()
    declined = sell(client, url("topup", line_id=line.pk), {**form, "terminal_outcome": "decline"})
    assert declined.status_code == 200
    assert "The card was declined. Nothing was charged; try another card or pay in cash." in errors(declined)
    assert state() == before
    approved = sell(client, url("topup", line_id=line.pk), {**form, "terminal_outcome": "approve"})
    assert approved.status_code == 302
    assert balances(line).credit_amount == 2500
    assert ledger.balance(ledger.account(shop.card_account_code, AccountKind.PROVIDER_CLEARING)) == -2000


@pytest.mark.parametrize(
    "form",
    [
        {"amount": 1234, "method": "cash", "confirm": "1"},  # not an amount on offer
        {"amount": 2000, "method": "bancontact", "confirm": "1"},  # not paid at the counter
        {"amount": "x", "method": "cash", "confirm": "1"},
        {"method": "cash", "confirm": "1"},
    ],
)
def test_bad_sale_input_changes_nothing(assistant, line, topup_product, form):
    before = state()
    response = staff_client(assistant).post(url("topup", line_id=line.pk), form)
    assert response.status_code == 200
    assert errors(response)
    assert state() == before


def test_another_shops_sale_and_unknown_lines_are_not_found(assistant, line, bundle):
    other = create_staff(create_shop("antwerp"))
    sell(staff_client(other), url("renew", line_id=line.pk), {"product": bundle.pk, "method": "cash"})
    order = Order.objects.get()
    client = staff_client(assistant)
    assert client.get(url("sale", number=order.number)).status_code == 404
    assert client.get(url("receipt", number=order.number)).status_code == 404
    assert client.get(url("line", line_id=999999)).status_code == 404


# --- Till report -------------------------------------------------------------------------------


def test_the_till_page_shows_an_assistant_their_own_and_a_manager_everything(
    assistant, manager, line, bundle, topup_product
):
    sell(staff_client(assistant), url("renew", line_id=line.pk), {"product": bundle.pk, "method": "cash"})
    sell(staff_client(manager), url("topup", line_id=line.pk), {"amount": 2000, "method": "cash"})
    mine = staff_client(assistant).get(url("till")).content.decode()
    assert assistant.email in mine and manager.email not in mine
    assert "Check against the ledger" not in mine
    everyone = staff_client(manager).get(url("till")).content.decode()
    assert assistant.email in everyone and manager.email in everyone
    assert "€35.00" in everyone
    assert "The report matches the ledger exactly." in everyone


def test_a_bad_day_falls_back_to_today(manager):
    response = staff_client(manager).get(url("till"), {"day": "yesterday"})
    assert response.status_code == 200


# --- Every page in every language --------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_shop_pages_answer_in_every_language(manager, line, bundle, topup_product, language):
    client = staff_client(manager)
    for page in (
        url("desk", language),
        url("line", language, line_id=line.pk),
        url("identify", language, line_id=line.pk),
        url("renew", language, line_id=line.pk),
        url("topup", language, line_id=line.pk),
        url("till", language),
        url("audit", language),
    ):
        response = client.get(page)
        assert response.status_code == 200, page
        assert f'<html lang="{language}">' in response.content.decode()
    assert Client().get(url("login", language)).status_code == 200
