"""Concurrent approvals of one leftover credit request (PostgreSQL): finance in two windows, or a
double click past the form key. The line's lock lets them through one by one, so the credit moves
once and the line's credit never goes below zero."""

import pytest
from django.db import connection, transaction

from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal
from simrenew.lines.models import Line
from simrenew.lines.queries import balances
from simrenew.payouts import service
from simrenew.payouts.errors import RequestAlreadyOpen, RequestNotPending
from simrenew.payouts.models import LeftoverCreditRequest, LeftoverStatus
from simrenew.staff.roles import FINANCE
from tests.concurrency import race
from tests.payouts.factories import IBAN, ended_line, payout_brand
from tests.staff.factories import create_staff_user

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


def ask_payout(line: Line) -> LeftoverCreditRequest:
    """The line's holder asks for its leftover credit, in a transaction of its own."""
    with transaction.atomic():
        return service.request_payout(
            line_id=line.pk,
            iban=IBAN,
            holder_name="Jan",
            email="jan@example.be",
            language="en",
            customer=None,
            actor=None,
        )


def test_concurrent_approvals_move_the_credit_once():
    line = ended_line(payout_brand(fee=150), credit=2000, bonus=400)
    made = ask_payout(line)
    finance = create_staff_user(FINANCE)

    def approve(_: int) -> None:
        with transaction.atomic():
            service.approve(request_id=made.pk, actor=finance)

    outcomes = [kind for kind, _ in race(THREADS, approve)]
    assert sorted(outcomes) == sorted(["ok"] + [RequestNotPending.__name__] * (THREADS - 1))
    assert LeftoverCreditRequest.objects.get().status == LeftoverStatus.APPROVED
    assert Journal.objects.filter(key=f"leftover:{made.pk}:approve").count() == 1
    now = balances(line)
    assert (now.credit_amount, now.bonus_amount) == (0, 400)
    assert ledger.verify() == []


def test_concurrent_requests_for_one_line_record_one():
    line = ended_line(payout_brand(), credit=2000)

    outcomes = [kind for kind, _ in race(THREADS, lambda _: ask_payout(line))]
    assert sorted(outcomes) == sorted(["ok"] + [RequestAlreadyOpen.__name__] * (THREADS - 1))
    assert LeftoverCreditRequest.objects.count() == 1
