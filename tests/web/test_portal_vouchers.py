"""Redeeming a voucher PIN in the portal: own or someone else's line, once, with clear refusals."""

import pytest
from django.utils import translation

from simrenew.kit.phone import InvalidMsisdn
from simrenew.lines.queries import balances
from simrenew.orders.models import Order, OrderStatus
from tests.factories import create_brand, create_customer, create_line, create_topup_product
from tests.vouchers.factories import sell_pin

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(client):  # type: ignore[no-untyped-def]
    brand = create_brand()
    create_topup_product(brand)
    friend = create_line(brand, credit=200)
    customer = create_customer(language="en")
    client.force_login(customer)
    return customer, friend, sell_pin(brand, 1500)


def test_a_pin_tops_up_any_line_once_and_shows_in_the_history(client, setup) -> None:  # type: ignore[no-untyped-def]
    customer, friend, issued = setup
    response = client.post("/en/topup/voucher/", {"number": friend.display, "code": issued.pin})
    order = Order.objects.get(line=friend)
    assert response.status_code == 302
    assert response["Location"] == f"/en/orders/{order.number}/"
    assert order.status == OrderStatus.FULFILLED
    assert order.customer == customer
    assert balances(friend).credit_amount == 200 + 1500
    assert order.number in client.get("/en/account/").content.decode()

    # the same PIN again: refused next to the field, nothing changes
    again = client.post("/en/topup/voucher/", {"number": friend.display, "code": issued.pin})
    assert again.status_code == 200
    assert again.context["form"].errors["code"]
    assert balances(friend).credit_amount == 200 + 1500
    assert Order.objects.filter(line=friend).count() == 1


def test_a_wrong_pin_or_number_is_refused_in_the_users_language(client, setup) -> None:  # type: ignore[no-untyped-def]
    _, friend, issued = setup
    wrong = issued.pin[:-1] + str((int(issued.pin[-1]) + 1) % 10)
    response = client.post("/nl/topup/voucher/", {"number": friend.display, "code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    bad_number = client.post("/nl/topup/voucher/", {"number": "02 123 45 67", "code": issued.pin})
    with translation.override("nl"):
        expected = str(InvalidMsisdn.default_message)
    with translation.override("en"):
        assert expected != str(InvalidMsisdn.default_message)  # really Dutch
    assert bad_number.context["form"].errors["number"] == [expected]
    assert balances(friend).credit_amount == 200
    assert not Order.objects.filter(line=friend).exists()
