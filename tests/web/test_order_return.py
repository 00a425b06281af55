"""Back from checkout while the payment provider is away: the customer sees the order, not a 500."""

from unittest import mock

import pytest
from django.test import Client

from simrenew.orders import service as orders
from simrenew.orders.models import Order, OrderStatus
from simrenew.payments.models import Payment
from simrenew.payments.provider import ProviderError
from tests.factories import create_customer, create_line, create_order, link

pytestmark = pytest.mark.django_db


def test_the_return_page_shows_the_order_when_the_provider_cannot_be_reached() -> None:
    customer = create_customer(email="back@example.be")
    line = create_line()
    link(customer, line)
    order = create_order(line=line, customer=customer, method="bancontact")
    payment = Payment.objects.create(
        order=order, provider="mollie", provider_payment_id="tr_away", method="bancontact", amount=order.total_amount
    )
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.AWAITING_PAYMENT)
    client = Client()
    client.force_login(customer)
    unreachable = ProviderError(f"Mollie could not return payment {payment.provider_payment_id}: timed out")
    with mock.patch.object(orders, "sync_payment", side_effect=unreachable):
        response = client.get(f"/en/orders/{order.number}/return/")
    assert (response.status_code, response.url) == (302, f"/en/orders/{order.number}/")
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
