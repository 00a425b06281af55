"""Every write to the ledger. Callers own the transaction; this module never commits."""

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.signals import post_migrate

from simrenew.kit import clock, rows
from simrenew.ledger import sql
from simrenew.ledger.errors import DuplicateJournal, InsufficientFunds, UnbalancedJournal
from simrenew.ledger.models import Account, AccountKind, Journal, Posting

GUARDED_KINDS = {AccountKind.LINE_CREDIT, AccountKind.LINE_BONUS, AccountKind.RETAILER_FLOAT}

# An account's code, kind and currency never change once created: to post to it only its id is
# needed, so each process keeps the rows it met (the most recent ACCOUNT_CACHE_SIZE). A row enters
# the cache only once its creating transaction committed (never a row a rollback could take back);
# a flushed database (tests, `migrate`) empties it. Their cached `balance_amount` is NOT kept fresh:
# balances are read with `balances()` or under `lock_accounts()`.
ACCOUNT_CACHE_SIZE = 100_000
_accounts: OrderedDict[str, Account] = OrderedDict()
_accounts_lock = threading.Lock()


def clear_account_cache(**kwargs: object) -> None:
    with _accounts_lock:
        _accounts.clear()


def _keep(code: str, row: Account) -> None:
    with _accounts_lock:
        _accounts[code] = row
        while len(_accounts) > ACCOUNT_CACHE_SIZE:
            _accounts.popitem(last=False)


post_migrate.connect(clear_account_cache, dispatch_uid="ledger.clear_account_cache")


# code → account (None: never opened): the accounts a batch of work posts to, read in one query.
_known: ContextVar[dict[str, Account | None] | None] = ContextVar("ledger_accounts_known", default=None)


@contextmanager
def accounts_known(codes: Iterable[str]) -> Iterator[dict[str, Account | None]]:
    """Inside, account() and existing_account() find these accounts from one query, not one each: a
    batch of the scheduler's work reads its lines' accounts once (and those opened meanwhile are
    known from then on). Yields them by code (None for one never opened), with their balances as
    they stand now (the caller holds the locks that keep them so, e.g. its lines')."""
    wanted = list(dict.fromkeys(codes))
    known: dict[str, Account | None] = dict.fromkeys(wanted)
    if wanted:
        known.update((row.code, row) for row in Account.objects.filter(code__in=wanted))
    token = _known.set(known)
    try:
        yield known
    finally:
        _known.reset(token)


def account(code: str, kind: str, currency: str = "EUR") -> Account:
    """The account with this code, created on first use. Its `balance_amount` may be out of date:
    read balances with `balances()`, or lock the account (post_journal does)."""
    found = existing_account(code)
    if found is None:
        guarded = kind in GUARDED_KINDS
        found, _ = Account.objects.get_or_create(
            code=code, defaults={"kind": kind, "currency": currency, "guarded": guarded}
        )
        opened = found
        transaction.on_commit(lambda: _keep(code, opened))
        known = _known.get()
        if known is not None:
            known[code] = found
    return found


def existing_account(code: str) -> Account | None:
    """The account with this code if it was ever opened (none is created): from what the batch knows
    (accounts_known) or the process keeps, else read with a statement built once (kit.rows)."""
    known = _known.get()
    if known is not None and code in known:
        return known[code]
    with _accounts_lock:
        cached = _accounts.get(code)
    if cached is not None:
        return cached
    found = rows.get_by(Account, "code", code)
    if found is not None:
        row = found
        transaction.on_commit(lambda: _keep(code, row))
    if known is not None:
        known[code] = found
    return found


def balances_by_code(codes: list[str]) -> dict[str, int]:
    """The cached balances of these guarded accounts by code, 0 for one not opened yet (one read,
    nothing created)."""
    found = sql.balances_by_code(codes) if codes else {}
    return {code: int(found.get(code) or 0) for code in codes}


def balances(accounts: list[Account]) -> dict[int, int]:
    """The cached balances of these guarded accounts as they stand now, by account id (one read)."""
    ids = sorted({acct.id for acct in accounts})
    found = dict(Account.objects.filter(id__in=ids).values_list("id", "balance_amount"))
    return {account_id: int(found.get(account_id) or 0) for account_id in ids}


def lock_accounts(account_ids: list[int]) -> dict[int, Account]:
    """Lock guarded accounts in id order (the one order every caller uses) and return them."""
    rows = Account.objects.select_for_update().filter(id__in=sorted(set(account_ids))).order_by("id")
    return {row.id: row for row in rows}


@dataclass(frozen=True)
class Entry:
    account: Account
    amount: int


def post_journal(*, key: str, kind: str, entries: list[Entry], memo: str = "") -> Journal:
    """Append one balanced journal. Guarded accounts are locked, checked and updated together.

    Raises DuplicateJournal if `key` was used before, InsufficientFunds if a guarded account
    would go below zero; in both cases nothing is written.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post_journal must run inside the caller's transaction")
    if sum(e.amount for e in entries) != 0:
        raise UnbalancedJournal(f"journal {key} does not sum to zero")
    currencies = {e.account.currency for e in entries}
    if len(currencies) > 1:
        raise UnbalancedJournal(f"journal {key} mixes currencies {currencies}")

    per_account: dict[int, int] = defaultdict(int)
    for entry in entries:
        per_account[entry.account.id] += entry.amount
    changes = {
        account_id: per_account[account_id]
        for account_id in sorted({e.account.id for e in entries if e.account.guarded})
        if per_account[account_id]
    }
    # Guarded accounts first (locked, checked and changed in one statement, all or nothing), so that
    # a refusal writes nothing; then the journal, whose key's unique constraint decides, not a
    # look-up first; a duplicate takes its balance changes back and inserts nothing.
    after: dict[int, int] = {}
    if changes:
        applied = sql.apply_balances(changes)
        if applied is None:
            raise InsufficientFunds()
        after = applied
    now = clock.now()
    memo = memo[:255]
    journal_id = sql.insert_journal(key=key, kind=kind, memo=memo, created_at=now)
    if journal_id is None:
        if changes:
            sql.undo_balances(changes)
        raise DuplicateJournal()
    sql.insert_postings(journal_id, [(e.account.id, e.amount, e.account.currency) for e in entries if e.amount])
    journal = Journal(id=journal_id, key=key, kind=kind, memo=memo, created_at=now)
    journal._state.adding, journal._state.db = False, connection.alias
    journal.balances_after = after
    return journal


def balance(account_obj: Account) -> int:
    """Balance from postings (authoritative for every account)."""
    total = Posting.objects.filter(account=account_obj).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


@dataclass(frozen=True)
class Difference:
    what: str
    expected: int
    found: int


def verify() -> list[Difference]:
    """Recompute every balance from postings; report unbalanced journals and cached-balance drift."""
    differences: list[Difference] = []
    unbalanced = (
        Posting.objects.values("journal__key").annotate(total=Sum("amount")).exclude(total=0).order_by("journal__key")
    )
    differences.extend(Difference(f"journal {row['journal__key']}", 0, row["total"]) for row in unbalanced)
    sums = dict(
        Posting.objects.filter(account__guarded=True)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    for acct in Account.objects.filter(guarded=True).only("id", "code", "balance_amount").iterator():
        expected = int(sums.get(acct.id) or 0)
        if acct.balance_amount != expected:
            differences.append(Difference(f"account {acct.code}", expected, acct.balance_amount))
        if expected < 0:
            differences.append(Difference(f"account {acct.code} is negative", 0, expected))
    return differences
