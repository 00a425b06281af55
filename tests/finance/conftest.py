"""Fixtures for the reconciliation: the official Mollie client against the sandbox on a live server,
and a day of web payments paid through it (their webhooks fulfil the orders)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from simrenew.brands.models import PaymentMethod
from simrenew.lines.models import Line
from simrenew.orders import refunds
from simrenew.orders import service as orders
from simrenew.orders.models import Order, OrderStatus, Refund
from simrenew.payments.models import Payment
from simrenew.sandbox import service as sandbox
from tests import factories
from tests.factories import start_in_english  # noqa: F401 - an autouse fixture for every test here
from tests.sandbox.helpers import TEST_KEY


@pytest.fixture
def site(live_server, settings) -> str:
    settings.SITE_URL = settings.PUBLIC_URL = live_server.url
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    settings.MOLLIE_API_KEY = TEST_KEY
    return str(live_server.url)


def start(site: str, *, line: Line, amount: int, method: str = PaymentMethod.BANCONTACT) -> Payment:
    """A top-up of `amount` cents ordered on the web, its payment created at the provider (still open)."""
    product = factories.create_topup_product(line.brand)
    order = factories.create_order(line=line, product=product, topup_amount=amount, method=method)
    return orders.start_payment(
        order=order,
        redirect_url=f"{site}/en/orders/{order.number}/return/",
        webhook_url=site + reverse("mollie_webhook"),
    )


@pytest.fixture
def pay(site: str) -> Callable[..., Order]:
    """Pay a web top-up in the sandbox; its webhook fulfils the order."""

    def paid(*, line: Line, amount: int, method: str = PaymentMethod.BANCONTACT) -> Order:
        payment = start(site, line=line, amount=amount, method=method)
        sandbox.set_status(payment.provider_payment_id, "paid")
        order = Order.objects.get(pk=payment.order_id)
        assert order.status == OrderStatus.FULFILLED
        return order

    return paid


def refund(order: Order, amount: int) -> Refund:
    """A refund through the provider; the sandbox settles it and its webhook books the payout."""
    with transaction.atomic():
        made = refunds.request_refund(order_id=order.pk, amount=amount, reason="Bought by mistake", actor=None)
    made.refresh_from_db()
    return made


def by_cause(run: Any) -> dict[tuple[str, str], tuple[str, int | None, int | None]]:
    return {(d.cause, d.reference): (d.reason, d.expected_amount, d.found_amount) for d in run.differences.all()}
