"""Every write to the ledger. Callers own the transaction; this module never commits."""

from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from simrenew.kit import clock
from simrenew.ledger.errors import DuplicateJournal, InsufficientFunds, UnbalancedJournal
from simrenew.ledger.models import Account, AccountKind, Journal, Posting

GUARDED_KINDS = {AccountKind.LINE_CREDIT, AccountKind.LINE_BONUS, AccountKind.RETAILER_FLOAT}


def account(code: str, kind: str, currency: str = "EUR") -> Account:
    """The account with this code, created on first use."""
    found, _ = Account.objects.get_or_create(
        code=code, defaults={"kind": kind, "currency": currency, "guarded": kind in GUARDED_KINDS}
    )
    return found


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
    guarded_ids = [e.account.id for e in entries if e.account.guarded]
    locked = lock_accounts(guarded_ids)
    for account_id, row in locked.items():
        if row.balance_amount + per_account[account_id] < 0:
            raise InsufficientFunds()
    if Journal.objects.filter(key=key).exists():
        raise DuplicateJournal()
    try:
        with transaction.atomic():
            journal = Journal.objects.create(key=key, kind=kind, memo=memo[:255], created_at=clock.now())
    except IntegrityError as exc:
        raise DuplicateJournal() from exc
    Posting.objects.bulk_create(
        [
            Posting(journal=journal, account=e.account, amount=e.amount, currency=e.account.currency)
            for e in entries
            if e.amount != 0
        ]
    )
    for account_id in locked:
        if per_account[account_id]:
            Account.objects.filter(id=account_id).update(balance_amount=F("balance_amount") + per_account[account_id])
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
