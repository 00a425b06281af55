"""The portal's privacy pages: a customer reads and downloads their data (other people's stays out),
and deletes their account with their password, which logs them out everywhere."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.brands.models import PaymentMethod
from simrenew.customers.models import LineLink, User
from simrenew.orders.models import Order
from tests.factories import (
    DEFAULT_PASSWORD,
    create_bundle,
    create_customer,
    create_line,
    create_order,
    link,
)

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _ in settings.LANGUAGES]


def url(name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(f"portal:{name}")


def _logged_in(email: str, password: str = DEFAULT_PASSWORD) -> Client:
    """Logged in through the login form (a real session, as in a browser)."""
    client = Client()
    response = client.post(url("login"), {"username": email, "password": password})
    assert response.status_code == 302, response.content.decode()
    return client


@pytest.fixture
def jan():
    customer = create_customer(email="jan@example.be", full_name="Jan Peeters")
    line = create_line(msisdn="+32470123456", credit=5000)
    link(customer, line)
    order = create_order(line=line, product=create_bundle(line.brand), method=PaymentMethod.CREDIT, customer=customer)
    return customer, line, order


@pytest.fixture
def someone_else(jan):
    """Another customer, with a line and an order of their own, who also gave Jan's line a bundle."""
    _, jans_line, _ = jan
    other = create_customer(email="other@example.be", full_name="Other Person")
    line = create_line(msisdn="+32470999999", credit=5000)
    link(other, line)
    own = create_order(line=line, product=create_bundle(line.brand), method=PaymentMethod.CREDIT, customer=other)
    gift = create_order(
        line=jans_line, product=create_bundle(jans_line.brand), method=PaymentMethod.CREDIT, customer=other
    )
    return other, [own, gift]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", ["privacy", "my_data", "delete_account"])
def test_privacy_pages_answer_in_every_language(jan, language, page):
    client = _logged_in("jan@example.be")
    response = client.get(url(page, language))
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("page", ["privacy", "my_data", "my_data_download", "delete_account"])
def test_privacy_pages_need_a_login(page, client):
    response = client.get(url(page))
    assert (response.status_code, response.url.split("?")[0]) == (302, "/en/login/")


def test_my_data_shows_mine_and_nobody_elses(jan, someone_else):
    _, _, order = jan
    _, their_orders = someone_else
    # (the address may wrap after its @ and before its dots: <wbr> there)
    page = _logged_in("jan@example.be").get(url("my_data")).content.decode().replace("<wbr>", "")
    for mine in ("jan@example.be", "Jan Peeters", "0470 12 34 56", order.number, order.receipt.number):
        assert mine in page, mine
    for theirs in ("other@example.be", "Other Person", "0470 99 99 99", *(o.number for o in their_orders)):
        assert theirs not in page, theirs


def test_my_data_downloads_as_json(jan, someone_else):
    _, _, order = jan
    response = _logged_in("jan@example.be").get(url("my_data_download"))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="simrenew-my-data.json"'
    data = json.loads(response.content)
    assert data["account"]["email"] == "jan@example.be"
    assert [row["number"] for row in data["lines"]] == ["0470 12 34 56"]
    assert [row["number"] for row in data["orders"]] == [order.number]
    assert data["orders"][0]["receipt"]["verification_code"] == order.receipt.verification_code
    assert "other@example.be" not in response.content.decode()


def test_deleting_the_account_logs_out_everywhere_and_keeps_the_order(jan):
    customer, line, order = jan
    browser, phone = _logged_in("jan@example.be"), _logged_in("jan@example.be")
    # when the customer confirms with their password
    response = browser.post(url("delete_account"), {"password": DEFAULT_PASSWORD, "confirm": "on"})
    # then they are logged out and told
    assert (response.status_code, response.url) == (302, url("home"))
    assert "Your account is deleted" in browser.get(url("home")).content.decode()
    assert browser.get(url("account")).status_code == 302
    # and the session on their other device ended too
    other = phone.get(url("account"))
    assert (other.status_code, other.url.split("?")[0]) == (302, "/en/login/")
    # and logging in again is impossible
    refused = Client().post(url("login"), {"username": "jan@example.be", "password": DEFAULT_PASSWORD})
    assert refused.status_code == 200
    # and the order stays (amounts, line, receipt) on the anonymous account
    customer.refresh_from_db()
    assert customer.erased_at is not None and customer.email.endswith("@erased.invalid")
    assert Order.objects.get(pk=order.pk).customer_id == customer.pk
    assert LineLink.objects.filter(line=line).count() == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"password": "wrong-password", "confirm": "on"},
            "password",
            "That password is not right. Nothing was deleted.",
        ),
        (
            {"password": DEFAULT_PASSWORD},
            "confirm",
            "Tick the box to confirm that you want to delete your account.",
        ),
        ({"confirm": "on"}, "password", "This field is required."),
    ],
)
def test_a_deletion_not_confirmed_changes_nothing(jan, data, field, message):
    client = _logged_in("jan@example.be")
    before = list(User.objects.values()), list(LineLink.objects.values()), list(Order.objects.values())
    response = client.post(url("delete_account"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors[field] == [message]
    assert (list(User.objects.values()), list(LineLink.objects.values()), list(Order.objects.values())) == before
    assert client.get(url("account")).status_code == 200  # still logged in
