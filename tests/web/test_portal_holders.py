"""The portal with one holder per line: when another account links a line, the previous account loses
it at once (its pages, the line's new orders); each account sees what it bought and what happened to a
line while it held it; gifts from other accounts show as credit received, without the buyer."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.brands.models import PaymentMethod
from simrenew.customers.models import User
from simrenew.ledger import service as ledger
from simrenew.ledger.models import AccountKind
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import Channel, Order, OrderStatus
from simrenew.orders.postings import Funding
from tests.factories import (
    create_brand,
    create_bundle,
    create_customer,
    create_line,
    create_order,
    create_topup_product,
    fulfil_paid,
    link,
)

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
T0 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
NUMBER = "0470 12 34 56"


def url(name: str, **kwargs: object) -> str:
    with translation.override("en"):
        return reverse(f"portal:{name}", kwargs=kwargs or None)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def _link_in_portal(client: Client, django_capture_on_commit_callbacks) -> None:
    """Type the number, then the code the SMS brought, as a person does."""
    OutboxMessage.objects.filter(kind=OutboxKind.SMS).delete()
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(url("link_line"), {"number": NUMBER})
    assert asked.status_code == 302, asked.content.decode()
    code = re.search(r"\b(\d{6})\b", OutboxMessage.objects.get(kind=OutboxKind.SMS).body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(asked.url, {"code": code})
    assert (confirmed.status_code, confirmed.url) == (302, url("account"))


def _shop_topup(line, product, amount: int = 1000) -> Order:
    """A cash top-up at a shop counter: no account bought it."""
    till = ledger.account("shop:test:cash", AccountKind.SHOP_CASH)
    return create_order(
        line=line,
        product=product,
        topup_amount=amount,
        method=PaymentMethod.CASH,
        channel=Channel.SHOP,
        funding=Funding(account=till),
    )


@pytest.fixture
def world():
    brand = create_brand(code="acme", name="Acme Mobile")
    return {
        "line": create_line(brand, msisdn="+32470123456", credit=10_000),
        "bundle": create_bundle(brand, price_amount=1500, names={"en": "Acme 15"}),
        "topup": create_topup_product(brand),
        "a": create_customer(email="a@example.be"),
        "b": create_customer(email="b@example.be"),
    }


def test_when_b_links_as_line_a_loses_it_and_neither_sees_the_others_orders(world, django_capture_on_commit_callbacks):
    line, bundle, a, b = world["line"], world["bundle"], world["a"], world["b"]
    client_a, client_b = _client(a), _client(b)
    # given A linked the line and bought a bundle for it
    with time_machine.travel(T0, tick=False):
        _link_in_portal(client_a, django_capture_on_commit_callbacks)
        a_order = create_order(line=line, product=bundle, method=PaymentMethod.CREDIT, customer=a)
    assert line.display in client_a.get(url("account")).content.decode()

    # when B links the same line with a code sent to it
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        _link_in_portal(client_b, django_capture_on_commit_callbacks)
        b_order = create_order(line=line, product=bundle, method=PaymentMethod.CREDIT, customer=b)

    # then A is told by e-mail
    [told] = OutboxMessage.objects.filter(kind=OutboxKind.EMAIL, recipient="a@example.be")
    assert told.subject == "Your number 0470 •• •• 56 is now linked to another account"
    # and A's My account no longer shows the line, but still A's own order
    page_a = client_a.get(url("account")).content.decode()
    assert line.display not in page_a
    assert a_order.number in page_a and b_order.number not in page_a
    # and every page of the line, and of its new order, is a 404 for A (the receipt a 403)
    for name in ("line", "renew", "auto_renew"):
        assert client_a.get(url(name, line_id=line.pk)).status_code == 404, name
    for name in ("order", "order_return", "order_retry"):
        assert client_a.get(url(name, number=b_order.number)).status_code == 404, name
    assert client_a.get(url("receipt", number=b_order.receipt.number)).status_code == 403
    # and A's own order stays A's
    assert client_a.get(url("order", number=a_order.number)).status_code == 200
    # and B sees the line and B's order, not A's
    page_b = client_b.get(url("account")).content.decode()
    assert line.display in page_b
    assert b_order.number in page_b and a_order.number not in page_b
    assert client_b.get(url("order", number=a_order.number)).status_code == 404
    assert client_b.get(url("receipt", number=a_order.receipt.number)).status_code == 403
    line_page = client_b.get(url("line", line_id=line.pk)).content.decode()
    assert b_order.number in line_page and a_order.number not in line_page

    # when A links the line back
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        _link_in_portal(client_a, django_capture_on_commit_callbacks)
    # then A has it again (still without B's order), and B is told and loses it
    page_a = client_a.get(url("account")).content.decode()
    assert line.display in page_a and b_order.number not in page_a
    assert client_a.get(url("line", line_id=line.pk)).status_code == 200
    assert client_b.get(url("line", line_id=line.pk)).status_code == 404
    assert OutboxMessage.objects.filter(kind=OutboxKind.EMAIL, recipient="b@example.be").count() == 1


def test_the_holder_sees_sales_no_account_bought_only_while_it_held_the_line(world):
    line, topup, a, b = world["line"], world["topup"], world["a"], world["b"]
    # given a shop top-up before anyone linked the line, one while A held it, one while B holds it
    with time_machine.travel(T0, tick=False):
        before = _shop_topup(line, topup)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        link(a, line)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        during_a = _shop_topup(line, topup)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        link(b, line)
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        during_b = _shop_topup(line, topup)
    client_a, client_b = _client(a), _client(b)
    # then B sees only what happened while B holds the line: in My account, on the line's page, the
    # order page and its receipt
    page_b = client_b.get(url("account")).content.decode()
    assert during_b.number in page_b
    assert before.number not in page_b and during_a.number not in page_b
    assert during_b.number in client_b.get(url("line", line_id=line.pk)).content.decode()
    assert client_b.get(url("order", number=during_b.number)).status_code == 200
    assert client_b.get(url("receipt", number=during_b.receipt.number)).status_code == 200
    for other in (before, during_a):
        assert client_b.get(url("order", number=other.number)).status_code == 404
        assert client_b.get(url("receipt", number=other.receipt.number)).status_code == 403
    # and A, who no longer holds the line, sees none of them, not even the one from its own time
    page_a = client_a.get(url("account")).content.decode()
    assert not any(order.number in page_a for order in (before, during_a, during_b))
    assert client_a.get(url("order", number=during_a.number)).status_code == 404


def test_a_gift_shows_as_credit_received_without_the_buyer_and_their_renewals_not_at_all(world):
    line, topup, bundle, a = world["line"], world["topup"], world["bundle"], world["a"]
    giver = create_customer(email="giver@example.be")
    link(a, line)
    # given another account gave the line a 20 EUR top-up and paid a bundle for it
    gift = fulfil_paid(
        create_order(line=line, product=topup, topup_amount=2000, method=PaymentMethod.BANCONTACT, customer=giver)
    )
    assert gift.status == OrderStatus.FULFILLED
    renewal = create_order(line=line, product=bundle, method=PaymentMethod.CREDIT, customer=giver)
    client = _client(a)
    # then the line's page shows the credit received, and nothing of who gave it or how they paid
    page = client.get(url("line", line_id=line.pk)).content.decode()
    assert "Top-ups received" in page
    assert "€20.00" in page
    for secret in ("giver@example.be", gift.number, renewal.number, "Bancontact"):
        assert secret not in page, secret
    # and neither order is A's to open or list
    account = client.get(url("account")).content.decode()
    assert gift.number not in account and renewal.number not in account
    for order in (gift, renewal):
        assert client.get(url("order", number=order.number)).status_code == 404
    assert client.get(url("receipt", number=renewal.receipt.number)).status_code == 403
    # and the giver still sees both as theirs
    giver_page = _client(giver).get(url("account")).content.decode()
    assert gift.number in giver_page and renewal.number in giver_page


def test_a_line_page_is_a_404_to_anyone_but_its_holder(world):
    line, a, b = world["line"], world["a"], world["b"]
    link(a, line)
    assert _client(a).get(url("line", line_id=line.pk)).status_code == 200
    assert _client(b).get(url("line", line_id=line.pk)).status_code == 404
    assert _client(b).get(url("line", line_id=999_999)).status_code == 404
    anonymous = Client().get(url("line", line_id=line.pk))
    assert (anonymous.status_code, anonymous.url) == (302, f"/en/login/?next=/en/account/lines/{line.pk}/")
