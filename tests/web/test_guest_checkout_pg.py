"""Races on PostgreSQL: a guest's Pay sent five times at once with one form key places one order and
starts one payment, and every answer sends the buyer to the same payment page. Each request runs in
its own thread and connection through the whole page; the payment goes to the sandbox on the live
server. SQLite serialises every writer, so this runs only with DATABASE_URL=postgres://…."""

import pytest
from django.db import connection
from django.test import Client

from simrenew.orders.models import Order
from simrenew.payments.models import Payment
from tests.factories import create_brand, create_line, create_topup_product
from tests.web.form_keys import confirmation
from tests.web.test_exactly_once_pg import TIMES, at_once, same_browser

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"),
    pytest.mark.django_db(transaction=True),
]


def test_a_guest_pay_sent_five_times_at_once_places_one_order(live_server, settings):
    settings.SITE_URL = settings.PUBLIC_URL = live_server.url
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand)
    create_line(brand, msisdn="+32485123402")
    guest = Client()
    data = {"checkout": "1", "number": "0485 12 34 02", "item": "amount:1500", "method": "bancontact"}
    form = {**data, **confirmation(guest.post("/en/topup/", data))}
    answers = at_once(same_browser(guest), lambda client: client.post("/en/topup/", form))
    payment = Payment.objects.get()
    assert Order.objects.count() == 1
    assert answers == [(302, payment.checkout_url)] * TIMES
