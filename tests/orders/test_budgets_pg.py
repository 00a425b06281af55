"""Statement budgets of the money paths other than the POS API (tests/api/test_pos_budget_pg.py),
on PostgreSQL in a real transaction: a portal renewal paid from credit, and a payment webhook's job
that fulfils an order. A regression fails with the list of statements."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from simrenew.lines.models import Line
from simrenew.orders import service as orders
from simrenew.orders.models import OrderStatus
from simrenew.orders.tasks import process_webhook
from simrenew.payments.models import WebhookInbox
from simrenew.sandbox.models import SandboxPayment
from tests.budgets import assert_within, counting
from tests.factories import (
    create_brand,
    create_bundle,
    create_customer,
    create_line,
    create_order,
    create_topup_product,
    link,
)
from tests.kiosks.factories import create_kiosk, enrol_screen
from tests.shops.factories import create_shop, create_staff, staff_client
from tests.web.form_keys import confirmation, form_key

pytestmark = pytest.mark.django_db(transaction=True)

# The form key that makes a double submit buy once: its INSERT, a savepoint around the order (so that a
# refusal keeps the key's row and frees it) and its UPDATE with the answer.
PORTAL_RENEWAL_FROM_CREDIT = 25
# One of them: whether the payment has a refund still open (Mollie calls the same webhook for refunds).
WEBHOOK_FULFILMENT = 23


@pytest.fixture(autouse=True)
def _postgresql(settings) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("statement budgets are PostgreSQL's (DATABASE_URL=postgres://…)")
    # As in production: a confirmation is one queued job (a row), sent later by the worker.
    settings.TASKS = {"default": {"BACKEND": "simrenew.jobs.backend.DatabaseBackend", "QUEUES": ["default"]}}


def test_a_portal_renewal_from_credit_within_its_budget() -> None:
    brand = create_brand(code="base")
    bundle = create_bundle(brand, price_amount=1500)
    customer = create_customer(email="budget@example.be")
    lines = [create_line(brand, credit=5000) for _ in range(2)]
    for line in lines:
        link(customer, line)
    client = Client()
    client.force_login(customer)
    confirm = {"product": str(bundle.pk), "method": "credit"}

    def priced(line: Line) -> dict[str, str]:
        page = client.get(reverse("portal:renew", kwargs={"line_id": line.pk}) + f"?product={bundle.pk}&method=credit")
        return {**confirm, **confirmation(page)}

    assert client.post(reverse("portal:renew", kwargs={"line_id": lines[0].pk}), priced(lines[0])).status_code == 302

    second = priced(lines[1])
    with counting() as count:
        response = client.post(reverse("portal:renew", kwargs={"line_id": lines[1].pk}), second)
    assert response.status_code == 302
    assert_within(count, PORTAL_RENEWAL_FROM_CREDIT, "portal renewal from credit", savepoints=1)


def test_a_webhook_job_that_fulfils_an_order_within_its_budget(live_server, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = settings.PUBLIC_URL = live_server.url
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    brand = create_brand(code="base")
    bundle = create_bundle(brand, price_amount=1500)
    customer = create_customer(email="hook@example.be")
    paid = []
    for _ in range(2):
        line = create_line(brand, credit=0)
        link(customer, line)
        order = create_order(line=line, product=bundle, method="bancontact", customer=customer)
        payment = orders.start_payment(order=order, redirect_url=live_server.url + "/", webhook_url="")
        SandboxPayment.objects.filter(public_id=payment.provider_payment_id).update(status="paid")
        inbox = WebhookInbox.objects.create(provider="mollie", provider_payment_id=payment.provider_payment_id)
        paid.append((order, inbox))
    process_webhook.call(paid[0][1].pk)  # warm: a running worker has done one before

    order, inbox = paid[1]
    with counting() as count:
        process_webhook.call(inbox.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    # One savepoint: a paid order that can no longer be delivered is refunded instead (orders.service).
    assert_within(count, WEBHOOK_FULFILMENT, "webhook job fulfilling a paid order", savepoints=1)


SHOP_DESK_CASH_SALE = 21
KIOSK_CASH_TOP_UP = 21


def test_a_shop_desk_cash_top_up_within_its_budget() -> None:
    brand = create_brand(code="base")
    create_topup_product(brand)
    shop = create_shop("brussels")
    client = staff_client(create_staff(shop))
    lines = [create_line(brand, credit=0) for _ in range(2)]

    def confirm(line):  # type: ignore[no-untyped-def]
        page = f"/en/shop/lines/{line.pk}/topup/"
        fields = {"amount": 2000, "method": "cash"}
        return page, {**fields, **confirmation(client.post(page, fields))}

    page, form = confirm(lines[0])
    assert client.post(page, form).status_code == 302  # warm
    page, form = confirm(lines[1])
    with counting() as count:
        response = client.post(page, form)
    assert response.status_code == 302
    assert_within(count, SHOP_DESK_CASH_SALE, "shop desk cash top-up (confirm)")


def test_a_kiosk_cash_top_up_within_its_budget() -> None:
    brand = create_brand(code="base")
    create_topup_product(brand)
    kiosk = create_kiosk("airport")
    client = Client()
    enrol_screen(client, kiosk)

    def cash_page(msisdn: str) -> str:
        chosen = client.post(f"/en/kiosk/{kiosk.code}/number/topup/", {"number": msisdn})
        cash_url: str = client.post(chosen.url, {"pay": "cash"}).url
        insert = {"insert": "1000", "form_key": form_key(client.get(cash_url))}
        assert client.post(cash_url, insert).status_code == 302
        return cash_url

    for msisdn in ("+32470123456", "+32470123457"):
        create_line(brand, msisdn=msisdn, credit=0)
    first = cash_page("0470 12 34 56")
    assert client.post(first, {"finish": "1", "form_key": form_key(client.get(first))}).status_code == 302  # warm
    second = cash_page("0470 12 34 57")
    finish = {"finish": "1", "form_key": form_key(client.get(second))}
    with counting() as count:
        response = client.post(second, finish)
    assert response.status_code == 302
    assert_within(count, KIOSK_CASH_TOP_UP, "kiosk cash top-up (finish)")
