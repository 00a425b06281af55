"""The ledger's guard under real concurrency (PostgreSQL): journals on the same guarded accounts from
many connections at once, in both directions, never overdraw, never deadlock, and sum up exactly."""

import pytest
from django.db import connection, transaction

from simrenew.ledger import service as ledger
from simrenew.ledger.errors import InsufficientFunds
from simrenew.ledger.models import Account, AccountKind, Journal
from simrenew.ledger.service import Entry, post_journal
from tests.concurrency import race
from tests.factories import OPENING_ACCOUNT

THREADS = 12
JOURNALS_EACH = 10
AMOUNT = 100

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so it cannot show row-lock races",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_journals_on_two_guarded_accounts_from_many_connections_never_overdraw_or_deadlock():
    # given a float holding 25 journals' worth and a line's credit holding 5, and a commission account
    opening = ledger.account(OPENING_ACCOUNT, AccountKind.OPENING_BALANCE)
    float_account = ledger.account("retailer:race:float", AccountKind.RETAILER_FLOAT)
    credit = ledger.account("line:race:credit", AccountKind.LINE_CREDIT)
    commission = ledger.account("platform:commission_expense", AccountKind.COMMISSION_EXPENSE)
    with transaction.atomic():
        post_journal(
            key="race:fund",
            kind="test",
            entries=[Entry(opening, -30 * AMOUNT), Entry(float_account, 25 * AMOUNT), Entry(credit, 5 * AMOUNT)],
        )

    def post(thread: int) -> tuple[int, int, int]:
        posted = refused = 0
        for n in range(JOURNALS_EACH):
            # Half the threads sell from the float to the line, half take back from the line:
            # the two accounts are named in opposite orders, so a lock order by entry would deadlock.
            if thread % 2:
                entries = [Entry(float_account, -AMOUNT), Entry(commission, -3), Entry(credit, AMOUNT + 3)]
            else:
                entries = [Entry(credit, -AMOUNT - 3), Entry(commission, 3), Entry(float_account, AMOUNT)]
            try:
                with transaction.atomic():
                    post_journal(key=f"race:{thread}:{n}", kind="test", entries=entries)
                posted += 1
            except InsufficientFunds:
                refused += 1
        return thread, posted, refused

    outcomes = race(THREADS, post)
    # then no thread failed (no deadlock), every journal was posted or refused
    assert [kind for kind, _ in outcomes] == ["ok"] * THREADS, outcomes
    counts = [answer for _, answer in outcomes]
    assert sum(posted + refused for _, posted, refused in counts) == THREADS * JOURNALS_EACH
    done = sum(posted for _, posted, _ in counts)
    assert Journal.objects.filter(key__startswith="race:").exclude(key="race:fund").count() == done
    # and the balances are what the posted journals add up to, neither below zero
    sold = sum(posted for thread, posted, _ in counts if thread % 2)
    taken_back = done - sold
    balances = dict(Account.objects.filter(pk__in=[float_account.pk, credit.pk]).values_list("pk", "balance_amount"))
    assert balances[float_account.pk] == 25 * AMOUNT - sold * AMOUNT + taken_back * AMOUNT
    assert balances[credit.pk] == 5 * AMOUNT + sold * (AMOUNT + 3) - taken_back * (AMOUNT + 3)
    assert min(balances.values()) >= 0
    assert ledger.verify() == []
