"""The ledger's guard under real concurrency (PostgreSQL): journals on the same guarded accounts from
many connections at once, in both directions, never overdraw, never deadlock, and sum up exactly."""

import threading

import pytest
from django.db import connection, transaction

from simrenew.ledger import service as ledger
from simrenew.ledger.errors import InsufficientFunds
from simrenew.ledger.models import Account, AccountKind, Journal
from simrenew.ledger.service import Entry, post_journal
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
    barrier = threading.Barrier(THREADS)
    done: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def post(thread: int) -> None:
        try:
            barrier.wait(timeout=30)
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
                    with lock:
                        done.append(thread)
                except InsufficientFunds:
                    with lock:
                        refused.append(thread)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then no thread failed (no deadlock), every journal was posted or refused
    assert errors == []
    assert len(done) + len(refused) == THREADS * JOURNALS_EACH
    assert Journal.objects.filter(key__startswith="race:").exclude(key="race:fund").count() == len(done)
    # and the balances are what the posted journals add up to, neither below zero
    sold = sum(1 for thread in done if thread % 2)
    taken_back = len(done) - sold
    balances = dict(Account.objects.filter(pk__in=[float_account.pk, credit.pk]).values_list("pk", "balance_amount"))
    assert balances[float_account.pk] == 25 * AMOUNT - sold * AMOUNT + taken_back * AMOUNT
    assert balances[credit.pk] == 5 * AMOUNT + sold * (AMOUNT + 3) - taken_back * (AMOUNT + 3)
    assert min(balances.values()) >= 0
    assert ledger.verify() == []
