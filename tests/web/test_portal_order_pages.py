"""My account's order history a page at a time, newest first: links to the newer and the older page,
read without counting the customer's orders; a page number that is not one, or past the end, shows
the first page."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import create_brand, create_bundle, create_customer, create_line, create_order, link

pytestmark = pytest.mark.django_db

ORDERS = 25  # a page holds 20


@pytest.fixture
def client_with_orders() -> tuple[Client, list[str]]:
    brand = create_brand(code="acme", name="Acme Mobile")
    bundle = create_bundle(brand, price_amount=100, names={"en": "Acme Mini"})
    customer = create_customer(email="orders@example.be")
    line = create_line(brand, msisdn="+32470990001", credit=ORDERS * 100)
    link(customer, line)
    numbers = [
        create_order(line=line, product=bundle, method="credit", customer=customer).number for _ in range(ORDERS)
    ]
    client = Client()
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    return client, numbers


def shown(client: Client, page: str | None) -> tuple[list[str], str]:
    with translation.override("en"):
        path = reverse("portal:account")
    html = client.get(path, {"page": page} if page is not None else {}).content.decode()
    return re.findall(r">(SR-[A-Z0-9]{8})</a>", html), html


def test_the_first_page_holds_the_twenty_newest_and_links_to_older(client_with_orders):
    client, numbers = client_with_orders
    first, html = shown(client, None)
    assert first == list(reversed(numbers))[:20]
    assert '<a href="?page=2">Older</a>' in html and "Newer" not in html


def test_the_second_page_holds_the_rest_and_links_to_newer(client_with_orders):
    client, numbers = client_with_orders
    second, html = shown(client, "2")
    assert second == list(reversed(numbers))[20:]
    assert '<a href="?page=1">Newer</a>' in html and "Older" not in html


# "²" and the Arabic-Indic one are digits to str.isdigit(), not page numbers.
@pytest.mark.parametrize("page", ["9", "0", "-1", "two", "²", "\u0661", "2.0", ""])
def test_a_page_that_is_not_one_or_past_the_end_shows_the_first(client_with_orders, page):
    client, numbers = client_with_orders
    found, _ = shown(client, page)
    assert found == list(reversed(numbers))[:20]
