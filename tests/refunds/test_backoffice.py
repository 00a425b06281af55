"""The back office's order page: customer service refunds with a reason, once per form key; bad input
and a role without the permission change nothing."""

import re

import pytest
from django.urls import reverse

from simrenew.lines.queries import balances
from simrenew.orders.models import OrderStatus, Refund
from simrenew.staff.roles import CUSTOMER_SERVICE, FINANCE, MARKETING
from tests.refunds.factories import paid_online_order
from tests.staff.factories import create_staff_user, staff_session

pytestmark = pytest.mark.django_db


def form_key(html: str) -> str:
    found = re.search(r'name="form_key" value="([0-9a-f]{32})"', html)
    assert found, "the page has no form key"
    return found.group(1)


def test_customer_service_refunds_part_of_an_order_once_however_often_the_form_is_sent(
    django_capture_on_commit_callbacks,
):
    order = paid_online_order(topup_amount=2000)
    agent = create_staff_user(CUSTOMER_SERVICE)
    client = staff_session(agent)
    page = client.get(reverse("backoffice:order", kwargs={"number": order.number}))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="20.00"' in html  # the amount is prefilled with what is left to refund
    data = {"form_key": form_key(html), "amount": "7,50", "reason": "Topped up the wrong number"}
    url = reverse("backoffice:refund_create", kwargs={"number": order.number})

    with django_capture_on_commit_callbacks():  # the provider call is not run here (no provider)
        first = client.post(url, data)
    second = client.post(url, data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("backoffice:order", kwargs={"number": order.number})
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.requested_by) == (750, "Topped up the wrong number", agent)
    assert balances(order.line).credit_amount == 1250
    page = client.get(reverse("backoffice:order", kwargs={"number": order.number})).content.decode()
    assert "Topped up the wrong number" in page
    assert 'value="12.50"' in page


@pytest.mark.parametrize(
    ("amount", "reason"),
    [("\uff11\uff12", "ok"), ("12.505", "ok"), ("-3", "ok"), ("0", "ok"), ("20.01", "ok"), ("5", "   ")],
)
def test_bad_input_gets_an_error_and_changes_nothing(amount, reason):
    order = paid_online_order(topup_amount=2000)
    client = staff_session(create_staff_user(FINANCE))
    html = client.get(reverse("backoffice:order", kwargs={"number": order.number})).content.decode()
    response = client.post(
        reverse("backoffice:refund_create", kwargs={"number": order.number}),
        {"form_key": form_key(html), "amount": amount, "reason": reason},
    )
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode() or 'class="error"' in response.content.decode()
    assert Refund.objects.count() == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert balances(order.line).credit_amount == 2000


def test_marketing_may_neither_see_nor_refund_an_order():
    order = paid_online_order(topup_amount=2000)
    client = staff_session(create_staff_user(MARKETING))
    assert client.get(reverse("backoffice:order", kwargs={"number": order.number})).status_code == 403
    response = client.post(
        reverse("backoffice:refund_create", kwargs={"number": order.number}),
        {"form_key": "0" * 32, "amount": "5", "reason": "x"},
    )
    assert response.status_code == 403
    assert Refund.objects.count() == 0


def test_the_refund_list_finds_an_order_by_number_and_shows_failed_refunds():
    order = paid_online_order(topup_amount=2000)
    client = staff_session(create_staff_user(CUSTOMER_SERVICE))
    found = client.get(reverse("backoffice:refunds"), {"q": order.number.lower()})
    assert found.status_code == 302
    assert found["Location"] == reverse("backoffice:order", kwargs={"number": order.number})
    assert client.get(reverse("backoffice:refunds"), {"status": "failed"}).status_code == 200


def test_the_order_page_names_the_product_in_the_staff_language_and_the_customer_language_by_name():
    order = paid_online_order(language="de")
    order.product.names = {"en": "Smart 15", "de": "Schlau 15", "nl": "Slim 15"}
    order.product.save(update_fields=["names"])
    client = staff_session(create_staff_user(CUSTOMER_SERVICE))
    page = client.get(f"/nl/backoffice/orders/{order.number}/").content.decode()
    assert re.search(r"<dd>Slim 15</dd>", page) and "Schlau 15" not in page
    assert re.search(r"<dd>Duits</dd>", page)  # "de", by its name in the page's language
