"""ledger.service: balanced, exactly-once journals that never overdraw a guarded account."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from simrenew.ledger import service as ledger
from simrenew.ledger.errors import DuplicateJournal, InsufficientFunds, UnbalancedJournal
from simrenew.ledger.models import Account, AccountKind, Journal, Posting
from simrenew.ledger.service import Entry, post_journal
from tests.factories import OPENING_ACCOUNT, create_line

pytestmark = pytest.mark.django_db


def _snapshot() -> tuple:
    return (
        Journal.objects.count(),
        Posting.objects.count(),
        tuple(Account.objects.order_by("id").values_list("code", "balance_amount")),
    )


@pytest.fixture
def line():
    return create_line(credit=1000)


@pytest.fixture
def credit(line) -> Account:
    return ledger.account(line.credit_account_code, AccountKind.LINE_CREDIT)


@pytest.fixture
def revenue() -> Account:
    return ledger.account("brand:test:revenue", AccountKind.REVENUE)


def test_account_is_created_once_and_guarded_by_kind():
    first = ledger.account("line:999:credit", AccountKind.LINE_CREDIT)
    again = ledger.account("line:999:credit", AccountKind.LINE_CREDIT)
    platform = ledger.account("platform:vat_payable", AccountKind.VAT_PAYABLE)
    assert first.pk == again.pk
    assert first.guarded is True
    assert platform.guarded is False


def test_post_journal_moves_money_and_updates_the_cached_balance(credit, revenue):
    # given a line with 10.00 credit
    # when 6.00 is spent on revenue
    with transaction.atomic():
        journal = post_journal(
            key="test:spend", kind="test", entries=[Entry(credit, -600), Entry(revenue, 600)], memo="spend"
        )
    # then the journal has two postings that sum to zero and the balances follow
    assert sorted(journal.postings.values_list("amount", flat=True)) == [-600, 600]
    credit.refresh_from_db()
    assert credit.balance_amount == 400
    assert ledger.balance(credit) == 400
    assert ledger.balance(revenue) == 600
    assert ledger.verify() == []


@pytest.mark.django_db(transaction=True)
def test_post_journal_refuses_to_run_outside_the_callers_transaction():
    # given no transaction at all (autocommit)
    line = create_line(credit=1000)
    credit = ledger.account(line.credit_account_code, AccountKind.LINE_CREDIT)
    revenue = ledger.account("brand:test:revenue", AccountKind.REVENUE)
    before = _snapshot()
    # when a journal is posted
    with pytest.raises(RuntimeError, match="must run inside the caller's transaction"):
        post_journal(key="test:autocommit", kind="test", entries=[Entry(credit, -100), Entry(revenue, 100)])
    # then nothing was written
    assert _snapshot() == before


def test_post_journal_refuses_an_unbalanced_journal(credit, revenue):
    before = _snapshot()
    with (
        pytest.raises(UnbalancedJournal, match="journal test:unbalanced does not sum to zero"),
        transaction.atomic(),
    ):
        post_journal(key="test:unbalanced", kind="test", entries=[Entry(credit, -600), Entry(revenue, 500)])
    assert _snapshot() == before


def test_post_journal_refuses_mixed_currencies(credit):
    usd = ledger.account("platform:usd", AccountKind.REVENUE, "USD")
    before = _snapshot()
    with pytest.raises(UnbalancedJournal, match="mixes currencies"), transaction.atomic():
        post_journal(key="test:mixed", kind="test", entries=[Entry(credit, -100), Entry(usd, 100)])
    assert _snapshot() == before


def test_post_journal_refuses_a_duplicate_key_and_writes_nothing(credit, revenue):
    # given a journal posted under a key
    with transaction.atomic():
        post_journal(key="order:1:fulfil", kind="test", entries=[Entry(credit, -100), Entry(revenue, 100)])
    before = _snapshot()
    # when the same key is posted again
    with pytest.raises(DuplicateJournal), transaction.atomic():
        post_journal(key="order:1:fulfil", kind="test", entries=[Entry(credit, -100), Entry(revenue, 100)])
    # then nothing more was written
    assert _snapshot() == before
    credit.refresh_from_db()
    assert credit.balance_amount == 900


def test_duplicate_key_is_a_409(credit, revenue):
    assert DuplicateJournal().status == 409


def test_post_journal_refuses_an_overdraft_and_writes_nothing(credit, revenue):
    # given a line with 10.00 credit
    before = _snapshot()
    # when 10.01 is taken from it
    with pytest.raises(InsufficientFunds) as error, transaction.atomic():
        post_journal(key="test:overdraft", kind="test", entries=[Entry(credit, -1001), Entry(revenue, 1001)])
    # then it is refused and nothing was written
    assert str(error.value) == "There is not enough credit for this."
    assert error.value.status == 409
    assert _snapshot() == before
    assert not Journal.objects.filter(key="test:overdraft").exists()


def test_post_journal_can_empty_a_guarded_account_exactly(credit, revenue):
    with transaction.atomic():
        post_journal(key="test:all", kind="test", entries=[Entry(credit, -1000), Entry(revenue, 1000)])
    credit.refresh_from_db()
    assert credit.balance_amount == 0
    assert ledger.verify() == []


def test_unguarded_accounts_may_go_negative(credit, revenue):
    opening = ledger.account(OPENING_ACCOUNT, AccountKind.OPENING_BALANCE)
    cash = ledger.account("shop:1:cash", AccountKind.SHOP_CASH)
    with transaction.atomic():
        post_journal(key="test:cash", kind="test", entries=[Entry(cash, -500), Entry(revenue, 500)])
    assert ledger.balance(cash) == -500
    assert ledger.balance(opening) == -1000  # the fixture's opening credit
    assert ledger.verify() == []


def test_two_entries_on_one_guarded_account_are_checked_together(credit, revenue):
    # -1200 + 300 = -900 on a 1000 balance: allowed, leaves 100
    with transaction.atomic():
        post_journal(
            key="test:net",
            kind="test",
            entries=[Entry(credit, -1200), Entry(credit, 300), Entry(revenue, 900)],
        )
    credit.refresh_from_db()
    assert credit.balance_amount == 100
    assert ledger.verify() == []


def test_zero_entries_are_not_stored(credit, revenue):
    with transaction.atomic():
        journal = post_journal(
            key="test:zero", kind="test", entries=[Entry(credit, -100), Entry(revenue, 100), Entry(revenue, 0)]
        )
    assert journal.postings.count() == 2


def test_verify_reports_drift_of_a_tampered_cached_balance(credit):
    # given a clean ledger
    assert ledger.verify() == []
    # when someone changes a cached balance behind the ledger's back
    Account.objects.filter(pk=credit.pk).update(balance_amount=5000)
    # then verify reports the difference: expected from postings, found in the cache
    assert ledger.verify() == [ledger.Difference(f"account {credit.code}", 1000, 5000)]


def test_verify_reports_an_unbalanced_journal(credit, revenue):
    journal = Journal.objects.first()
    # Postings cannot be changed (PostgreSQL refuses it), but one can be slipped in behind the service.
    Posting.objects.create(journal=journal, account=revenue, amount=-1)
    differences = ledger.verify()
    assert ledger.Difference(f"journal {journal.key}", 0, -1) in differences


def test_ledger_verify_command_passes_on_a_clean_ledger(credit, capsys):
    call_command("ledger", "verify")
    out = capsys.readouterr().out
    assert "1 journals, 2 postings, 2 accounts checked" in out
    assert "ledger verify: every journal balances and every cached balance matches" in out


def test_ledger_verify_command_fails_on_a_difference(credit, capsys):
    Account.objects.filter(pk=credit.pk).update(balance_amount=1)
    with pytest.raises(CommandError, match=r"ledger verify: 1 difference\(s\)"):
        call_command("ledger", "verify")
    assert f"DIFFERENCE account {credit.code}: expected 1000, found 1" in capsys.readouterr().err


def test_a_duplicate_caught_inside_the_transaction_leaves_the_balances_as_they_were(credit, revenue):
    # given a journal posted under a key, and a second guarded account with money on it
    funded = ledger.account("retailer:1:float", AccountKind.RETAILER_FLOAT)
    opening = ledger.account(OPENING_ACCOUNT, AccountKind.OPENING_BALANCE)
    with transaction.atomic():
        post_journal(key="test:fund", kind="test", entries=[Entry(opening, -500), Entry(funded, 500)])
        post_journal(key="test:once", kind="test", entries=[Entry(funded, -100), Entry(credit, 100)])
    before = _snapshot()
    # when the same key is posted again by a caller that carries on in the same transaction
    with transaction.atomic():
        with pytest.raises(DuplicateJournal):
            post_journal(key="test:once", kind="test", entries=[Entry(funded, -100), Entry(credit, 100)])
        # then within it, the guarded balances are already back where they were
        assert ledger.balances([funded, credit]) == {funded.pk: 400, credit.pk: 1100}
    # and after its commit nothing was written
    assert _snapshot() == before
    assert ledger.verify() == []


def test_a_refused_journal_changes_no_guarded_account_even_when_the_caller_carries_on(credit):
    # given a float with 3.00 and a line with 10.00
    funded = ledger.account("retailer:1:float", AccountKind.RETAILER_FLOAT)
    opening = ledger.account(OPENING_ACCOUNT, AccountKind.OPENING_BALANCE)
    with transaction.atomic():
        post_journal(key="test:fund", kind="test", entries=[Entry(opening, -300), Entry(funded, 300)])
    before = _snapshot()
    # when 5.00 goes from the float to the line (the line's side alone would be fine) and the caller
    # catches the refusal and commits
    with transaction.atomic(), pytest.raises(InsufficientFunds):
        post_journal(key="test:too-much", kind="test", entries=[Entry(funded, -500), Entry(credit, 500)])
    # then neither account changed and no journal was written
    assert _snapshot() == before
    assert ledger.verify() == []


def test_post_journal_returns_the_guarded_balances_after_it(credit, revenue):
    with transaction.atomic():
        journal = post_journal(key="test:after", kind="test", entries=[Entry(credit, -250), Entry(revenue, 250)])
    assert journal.balances_after == {credit.pk: 750}
    assert journal.pk == Journal.objects.get(key="test:after").pk


def test_a_guarded_account_that_does_not_exist_is_an_error_and_changes_nothing(credit, revenue):
    # given an account object whose row is not in the database (a programming error)
    ghost = Account(id=10**9, code="line:ghost:credit", kind=AccountKind.LINE_CREDIT, guarded=True)
    before = _snapshot()
    # when a journal names it beside a real guarded account
    with pytest.raises(LookupError), transaction.atomic():
        post_journal(key="test:ghost", kind="test", entries=[Entry(credit, -100), Entry(ghost, 100)])
    # then it fails loudly (not as a lack of funds) and nothing changed
    assert _snapshot() == before
