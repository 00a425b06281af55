"""Concurrent refunds of one order (PostgreSQL): staff in two windows, or a double click past the form
key, refund at the same moment. The order's lock lets them through one by one, so the refunds never
exceed what was paid, and the ledger balances."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from simrenew.kit.errors import DomainError
from simrenew.ledger import service as ledger
from simrenew.lines.queries import balances
from simrenew.orders import refunds
from simrenew.orders.models import OrderStatus, Refund
from simrenew.staff.roles import CUSTOMER_SERVICE
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
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def refund_half() -> None:
        try:
            start.wait()
            with transaction.atomic():
                refunds.request_refund(order_id=order.pk, amount=1000, reason="Two windows", actor=None)
            outcomes.append("refunded")
        except DomainError as refusal:
            outcomes.append(refusal.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=refund_half) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("refunded") == 2
    # The others were refused, changing nothing: too much once one went through, or nothing left.
    assert set(outcomes) - {"refunded"} <= {"refund_amount_invalid", "order_not_refundable"}
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
    start = threading.Barrier(THREADS)
    answers: list[int] = []

    def send(client: Client) -> None:
        try:
            start.wait()
            answers.append(client.post(post_url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [302] * THREADS
    assert list(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [500]
    assert balances(order.line).credit_amount == 1500
    assert ledger.verify() == []
