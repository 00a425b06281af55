"""My account runs the same number of queries for one line or ten (pinned with
django_assert_num_queries: a page that starts querying per line fails here, with the statements)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import create_brand, create_bundle, create_customer, create_line, create_order, link

pytestmark = pytest.mark.django_db

# Session and user, the customer's lines, their balances, their running periods, the carry of their
# bundles' next MB and minute (what is left, to the byte and second), the lines they hold (orders of
# theirs no account bought), and a page of orders with one more row (no COUNT: the pager only links to
# newer and older pages).
ACCOUNT_QUERIES = 8


def customer_with_lines(count: int):
    """A customer holding `count` lines, each with credit, a bundle in use and the next one queued."""
    brand = create_brand(code="acme", name="Acme Mobile")
    current = create_bundle(brand, price_amount=1000, names={"en": "Acme Start"})
    following = create_bundle(brand, price_amount=1500, names={"en": "Acme Plus"})
    customer = create_customer(email="many@example.be")
    lines = []
    for number in range(count):
        line = create_line(brand, msisdn=f"+3247055{number:04d}", credit=5000 + number)
        link(customer, line)
        create_order(line=line, product=current, method="credit", customer=customer)
        create_order(line=line, product=following, method="credit", customer=customer)
        lines.append(line)
    return customer, lines


@pytest.mark.parametrize("count", [1, 3, 10])
def test_my_account_costs_the_same_queries_for_1_3_and_10_lines(count, django_assert_num_queries):
    # Given a customer with `count` lines, each with a bundle in use and one queued
    customer, lines = customer_with_lines(count)
    client = Client()
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    with translation.override("en"):
        path = reverse("portal:account")

    # When they open My account
    with django_assert_num_queries(ACCOUNT_QUERIES):
        response = client.get(path)

    # Then every line shows its credit, its bundle in use and the queued one, from those few queries
    page = response.content.decode()
    assert response.status_code == 200
    assert all(line.display in page for line in lines)
    assert page.count("Current bundle: Acme Start") == count
    assert page.count("Acme Plus: from ") == count
    assert f"€{(5000 - 2500 + count - 1) / 100:.2f}" in page  # the last line's credit after both orders
