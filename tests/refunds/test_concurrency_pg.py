"""Concurrent refunds of one order (PostgreSQL): staff in two windows, or a double click past the form
key, refund at the same moment. The order's lock lets them through one by one, so the refunds never
exceed what was paid, and the ledger balances."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from simrenew.ledger import service as ledger
from simrenew.lines.queries import balances
from simrenew.orders import refunds
from simrenew.orders.errors import OrderNotRefundable, RefundAmountInvalid
from simrenew.orders.models import OrderStatus, Refund
from simrenew.staff.roles import CUSTOMER_SERVICE
from tests.concurrency import race
from tests.refunds.factories import paid_online_order
from tests.staff.factories import create_staff_user, staff_session
from tests.web.form_keys import form_key

THREADS = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so it cannot show row-lock races "
        "(run with DATABASE_URL=postgres://…)",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_refunds_never_refund_more_than_was_paid(settings):
    settings.MOLLIE_API_ENDPOINT = "http://127.0.0.1:9/v2"  # nothing listens: the provider call waits for a retry
    order = paid_online_order(topup_amount=2000)

    def refund_half(_: int) -> None:
        with transaction.atomic():
            refunds.request_refund(order_id=order.pk, amount=1000, reason="Two windows", actor=None)

    outcomes = [kind for kind, _ in race(THREADS, refund_half)]
    assert outcomes.count("ok") == 2, outcomes
    # The others were refused, changing nothing: too much once one went through, or nothing left.
    assert set(outcomes) - {"ok"} <= {RefundAmountInvalid.__name__, OrderNotRefundable.__name__}
    assert len(outcomes) == THREADS
    assert sum(Refund.objects.filter(order=order).values_list("amount", flat=True)) == 2000
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert balances(order.line).credit_amount == 0
    assert ledger.verify() == []


def test_one_refund_form_sent_several_times_at_once_refunds_once(settings):
    settings.MOLLIE_API_ENDPOINT = "http://127.0.0.1:9/v2"
    order = paid_online_order(topup_amount=2000)
    agent = create_staff_user(CUSTOMER_SERVICE)
    page_url = reverse("backoffice:order", kwargs={"number": order.number})
    key = form_key(staff_session(agent).get(page_url))
    data = {"form_key": key, "amount": "5.00", "reason": "Double click"}
    post_url = reverse("backoffice:refund_create", kwargs={"number": order.number})
    clients = [staff_session(agent) for _ in range(THREADS)]

    def send(index: int) -> int:
        return clients[index].post(post_url, data).status_code

    answers = [answer for _, answer in race(THREADS, send)]
    assert answers == [302] * THREADS
    assert list(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [500]
    assert balances(order.line).credit_amount == 1500
    assert ledger.verify() == []
