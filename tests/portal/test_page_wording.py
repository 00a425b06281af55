"""What the customer pages say fits who reads them and what happened: a guest's order page does not
send them to an account they do not have, nor does checkout tell a customer no account is made; a
renewal queued behind the current bundle says when it starts, and the renew page says when one bought
now would; the official-channels page lists this site and links to where a receipt is checked; "My
data" lists the messages sent to the customer, without their text."""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from simrenew.brands.models import PaymentMethod
from simrenew.customers.models import User
from simrenew.kit import clock
from simrenew.lines.models import BundlePeriod, PeriodStatus
from simrenew.notifications.models import Notification, NotificationKind, NotificationStatus, OutboxKind, OutboxMessage
from simrenew.orders import access
from simrenew.orders.models import OrderStatus
from tests.factories import (
    create_brand,
    create_bundle,
    create_customer,
    create_line,
    create_order,
    create_topup_product,
    link,
)

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _client(customer: User | None = None) -> Client:
    client = Client()
    if customer is not None:
        client.force_login(customer, backend=MODEL_BACKEND)
    return client


def _path(name: str, language: str = "en", **kwargs: object) -> str:
    with translation.override(language):
        return reverse(f"portal:{name}", kwargs=kwargs or None)


def _text(response) -> str:
    assert response.status_code == 200
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _day(moment) -> str:
    return date_format(moment, "DATE_FORMAT")


@pytest.fixture
def brand():
    brand = create_brand(code="acme", name="Acme Mobile")
    create_topup_product(brand, amounts=[1000, 1500])
    return brand


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, price_amount=1500, validity_days=30, names={"en": "Acme 15"})


# --- 1. The guest's order page -------------------------------------------------------------------


def test_a_guest_order_page_offers_a_top_up_and_the_home_page_not_my_account(brand, bundle):
    line = create_line(brand, credit=5000)
    order = create_order(line=line, product=bundle, method=PaymentMethod.BANCONTACT, email="gift@example.be")
    path = f"{_path('order', number=order.number)}?{access.KEY_PARAMETER}={access.access_key(order.number)}"
    for visitor in (_client(), _client(create_customer())):  # nobody logged in; someone else logged in
        page = visitor.get(path).content.decode()
        assert "Back to My account" not in page and _path("account") not in page.split("<main")[1]
        assert f'<a href="{_path("topup")}">Top up again</a>' in page
        assert f'<a href="{_path("home")}">Back to the home page</a>' in page


def test_the_customers_own_order_page_goes_back_to_my_account(brand, bundle):
    customer = create_customer()
    line = create_line(brand, credit=5000)
    link(customer, line)
    order = create_order(line=line, product=bundle, method=PaymentMethod.CREDIT, customer=customer)
    page = _client(customer).get(_path("order", number=order.number)).content.decode()
    assert f'<a href="{_path("account")}">Back to My account</a>' in page
    assert "Top up again" not in page


# --- 2. The official channels --------------------------------------------------------------------


def test_the_official_channels_list_this_site_and_link_to_checking_a_receipt(brand, settings):
    settings.SITE_URL = "https://renew.example.net"
    page = _client().get(_path("official", "nl")).content.decode()
    assert '<li class="mono">https://renew.example.net</li>' in page
    assert re.search(rf'<a href="{re.escape(_path("verify_receipt", "nl"))}">[^<]+</a>', page)


# --- 4. Checkout: "no account is made" is for guests ---------------------------------------------

NO_ACCOUNT = "No account is made."


def _checkout(client: Client, line) -> str:
    return _text(client.get(_path("topup"), {"number": line.display}))


def test_checkout_tells_a_guest_that_no_account_is_made(brand):
    assert NO_ACCOUNT in _checkout(_client(), create_line(brand))


def test_checkout_does_not_tell_a_customer_that_no_account_is_made(brand):
    customer = create_customer()
    line = create_line(brand)
    link(customer, line)
    page = _checkout(_client(customer), line)
    assert "We send the receipt and a link to your order here." in page
    assert NO_ACCOUNT not in page


# --- 5. and 6. Renewals queued behind the current bundle -----------------------------------------


@pytest.fixture
def queued(brand, bundle):
    """A customer whose line runs a bundle and has one renewal queued behind it, both paid."""
    customer = create_customer()
    line = create_line(brand, credit=10000)
    link(customer, line)
    first = create_order(line=line, product=bundle, method=PaymentMethod.CREDIT, customer=customer)
    second = create_order(line=line, product=bundle, method=PaymentMethod.CREDIT, customer=customer)
    assert (first.status, second.status) == (OrderStatus.FULFILLED, OrderStatus.FULFILLED)
    return customer, line, first, second


def test_a_paid_renewal_that_starts_later_says_when(queued):
    customer, _line, first, second = queued
    period = BundlePeriod.objects.get(order_id=second.pk)
    assert period.status == PeriodStatus.QUEUED
    text = _text(_client(customer).get(_path("order", number=second.number)))
    assert f"Paid. Your bundle Acme 15 starts on {_day(period.starts_at)}, when the bundle before it ends." in text
    assert "Your bundle or credit is ready" not in text
    # the bundle that started at once is ready
    text = _text(_client(customer).get(_path("order", number=first.number)))
    assert "Paid and done. Your bundle or credit is ready." in text and "starts on" not in text


def test_the_renew_page_says_a_renewal_starts_after_the_queued_ones(queued):
    customer, line, first, second = queued
    current = BundlePeriod.objects.get(order_id=first.pk)
    later = BundlePeriod.objects.get(order_id=second.pk)
    text = _text(_client(customer).get(_path("renew", line_id=line.pk)))
    assert f"Your current bundle Acme 15 runs until {_day(current.ends_at)}." in text
    assert f"Acme 15: from {_day(later.starts_at)} to {_day(later.ends_at)}" in text
    assert f"A renewal bought now starts on {_day(later.ends_at)}, when the last queued renewal ends." in text
    assert "A renewal now starts when it ends" not in text


def test_the_renew_page_without_a_queued_renewal_says_it_starts_when_the_current_one_ends(brand, bundle):
    customer = create_customer()
    line = create_line(brand, credit=5000)
    link(customer, line)
    create_order(line=line, product=bundle, method=PaymentMethod.CREDIT, customer=customer)
    text = _text(_client(customer).get(_path("renew", line_id=line.pk)))
    assert "A renewal now starts when it ends, unless its allowance is used up." in text
    assert "Queued renewals" not in text


# --- 7. My data: the messages we sent --------------------------------------------------------------


def _notice(customer: User | None, recipient: str, subject: str, body: str = "Your bundle is renewed.") -> None:
    now = clock.now()
    Notification.objects.create(
        key=f"test:{subject}:{recipient}",
        event_key=f"test:{subject}",
        kind=NotificationKind.RENEWED,
        channel="email" if "@" in recipient else "sms",
        recipient=recipient,
        customer=customer,
        subject=subject,
        body=body,
        status=NotificationStatus.SENT,
        send_after=now,
        created_at=now,
        sent_at=now,
    )


def test_my_data_lists_the_messages_sent_to_the_customer_without_their_text(brand):
    customer = create_customer(email="jan@example.be")
    line = create_line(brand, msisdn="+32470555001")
    link(customer, line)
    # an e-mail sent straight away (an order confirmation), an SMS with a code to the line's number
    OutboxMessage.objects.create(
        kind=OutboxKind.EMAIL, recipient="Jan@Example.be", subject="Order SR-TEST0001", body="https://x/?key=SECRET1"
    )
    OutboxMessage.objects.create(kind=OutboxKind.SMS, recipient=line.msisdn, body="Your code is SECRET2")
    # a notice linked to the account, sent by e-mail (the outbox holds the same e-mail: listed once)
    _notice(customer, "jan@example.be", "Your bundle is renewed")
    OutboxMessage.objects.create(
        kind=OutboxKind.EMAIL,
        recipient="jan@example.be",
        subject="Your bundle is renewed",
        body="Your bundle is renewed.",
    )
    # nobody else's messages
    OutboxMessage.objects.create(kind=OutboxKind.EMAIL, recipient="piet@example.be", subject="Order SR-OTHER001")
    OutboxMessage.objects.create(kind=OutboxKind.SMS, recipient="+32470555999", body="Your code is 123456")
    _notice(None, "piet@example.be", "Not yours")

    client = _client(customer)
    download = json.loads(client.get(_path("my_data_download")).content)
    sent = download["notifications"]
    assert sorted((row["channel"], row["subject"]) for row in sent) == [
        ("email", "Order SR-TEST0001"),
        ("email", "Your bundle is renewed"),
        ("sms", ""),
    ]
    assert all(row["created_at"] and row["kind"] for row in sent)
    assert "SECRET" not in json.dumps(download)
    page = client.get(_path("my_data")).content.decode()
    section = re.search(r'<section aria-labelledby="sent-title">(.*?)</section>', page, re.S)
    assert section is not None
    assert "Order SR-TEST0001" in section.group(1) and "None." not in section.group(1)
    assert "SECRET" not in page and "SR-OTHER001" not in page and "Not yours" not in page


def test_my_data_leaves_out_sms_to_a_number_from_before_the_customer_held_it(brand):
    line = create_line(brand, msisdn="+32470555002")
    OutboxMessage.objects.create(kind=OutboxKind.SMS, recipient=line.msisdn, body="to the one before")
    OutboxMessage.objects.filter(recipient=line.msisdn).update(created_at=clock.now() - timedelta(days=2))
    customer = create_customer()
    link(customer, line)
    download = json.loads(_client(customer).get(_path("my_data_download")).content)
    assert download["notifications"] == []
