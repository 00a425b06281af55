"""On PostgreSQL the database itself refuses to change or delete audit entries, journals and postings
(audit migration 0003); ledger accounts' cached balances still change, and TRUNCATE still empties."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from simrenew.audit import service as audit
from simrenew.audit.models import AuditEntry
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, AccountKind, Journal, Posting
from simrenew.ledger.service import Entry, post_journal
from tests.factories import create_customer

REFUSED = r"append-only: (UPDATE|DELETE) refused"


@pytest.fixture(autouse=True)
def _on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only triggers exist on PostgreSQL (DATABASE_URL); SQLite has the model guards")


@pytest.fixture
def journal() -> Journal:
    cash = ledger.account("shop:test:cash", AccountKind.SHOP_CASH)
    revenue = ledger.account("brand:test:revenue", AccountKind.REVENUE)
    with transaction.atomic():
        return post_journal(key="test:sale", kind="test", entries=[Entry(cash, -500), Entry(revenue, 500)])


def _sql(statement: str, *params: object) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def _postings(journal: Journal) -> list[tuple[int, int]]:
    return list(journal.postings.order_by("id").values_list("account_id", "amount"))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_posting SET amount = amount + 1 WHERE journal_id = %s",
        "DELETE FROM ledger_posting WHERE journal_id = %s",
    ],
)
def test_a_posting_is_never_changed_or_deleted(journal, statement):
    # given a posted journal
    before = _postings(journal)
    # when anyone changes or deletes its postings in SQL, bypassing the ledger service
    with pytest.raises(IntegrityError, match=REFUSED):
        _sql(statement, journal.pk)
    # then the database refused and the postings are as they were
    assert _postings(journal) == before


def test_the_orm_cannot_change_a_posting_either(journal):
    posting = journal.postings.first()
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).update(amount=999)
    assert Posting.objects.get(pk=posting.pk).amount == posting.amount


@pytest.mark.parametrize(
    "statement",
    ["UPDATE ledger_journal SET memo = 'edited' WHERE id = %s", "DELETE FROM ledger_journal WHERE id = %s"],
)
def test_a_journal_is_never_changed_or_deleted(journal, statement):
    with pytest.raises(IntegrityError, match=REFUSED):
        _sql(statement, journal.pk)
    assert Journal.objects.filter(pk=journal.pk, memo=journal.memo, key="test:sale").exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET action = 'edited' WHERE id = %s",
        "UPDATE audit_auditentry SET user_id = NULL, actor = '' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ],
)
def test_an_audit_entry_is_never_changed_or_deleted(statement):
    # given an audit entry (the model refuses changes; SQL goes around it)
    user = create_customer()
    entry = audit.record(action="shop.identify", target="line:7", user=user, ip_address="192.0.2.4")
    # when it is changed or deleted in SQL
    with pytest.raises(IntegrityError, match=REFUSED):
        _sql(statement, entry.pk)
    # then it is still there, unchanged
    assert AuditEntry.objects.filter(pk=entry.pk).values_list("action", "actor", "user_id").get() == (
        "shop.identify",
        user.email,
        user.pk,
    )


def test_deleting_a_user_keeps_their_audit_entries():
    # given a user with an audit entry
    user = create_customer()
    entry = audit.record(action="shop.identify", target="line:7", user=user)
    # when the user is deleted (Django sets the entry's user to NULL: the one change allowed)
    user.delete()
    # then the entry stays, naming the actor as before
    assert AuditEntry.objects.filter(pk=entry.pk).values_list("action", "actor", "user_id").get() == (
        "shop.identify",
        user.email,
        None,
    )


def test_a_guarded_accounts_cached_balance_still_changes():
    # Accounts are not append-only: a line's credit keeps its balance on the account row.
    credit = ledger.account("line:4242:credit", AccountKind.LINE_CREDIT)
    opening = ledger.account("platform:opening", AccountKind.OPENING_BALANCE)
    with transaction.atomic():
        post_journal(key="test:credit", kind="test", entries=[Entry(opening, -700), Entry(credit, 700)])
    assert Account.objects.get(pk=credit.pk).balance_amount == 700


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_tables():
    # given rows in every append-only table, committed
    cash = ledger.account("shop:flush:cash", AccountKind.SHOP_CASH)
    revenue = ledger.account("brand:flush:revenue", AccountKind.REVENUE)
    with transaction.atomic():
        post_journal(key="test:flush", kind="test", entries=[Entry(cash, -100), Entry(revenue, 100)])
    audit.record(action="x", target="line:1")
    # when the database is flushed, as the test suite does between transactional tests (TRUNCATE)
    call_command("flush", interactive=False, verbosity=0)
    # then they are empty
    assert (Journal.objects.count(), Posting.objects.count(), AuditEntry.objects.count()) == (0, 0, 0)
