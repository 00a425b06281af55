"""The ledger's hot path in SQL: every sale, renewal and top-up posts a journal, and through the ORM
each one cost more Python than the database spends on it (building, compiling and instantiating
querysets for four statements). Here a journal is three statements written once, each saying in one
round trip what the ORM says in several or cannot say at all:

* the guarded balances: lock the accounts in id order, refuse if any would go below zero, apply the
  changes, return the new balances: one UPDATE, all or nothing;
* the journal: inserted unless its key exists, returning its id, without a savepoint;
* its postings: one multi-row INSERT.

And one read: the balances of a line's accounts by code, which every order paid from credit checks.

Plain SQL that PostgreSQL and SQLite (≥ 3.35: RETURNING, UPDATE … FROM, MATERIALIZED) both run; the
one difference is the row lock, which SQLite does not need (a write transaction holds the database).
"""

from datetime import datetime

from django.db import connection

from simrenew.kit import rows
from simrenew.ledger.models import Account, Journal, Posting

# Quoted as Django quotes them (PostgreSQL and SQLite both read double-quoted names), so that the
# statements read like the ORM's in logs and in the benchmarks' recordings.
_ACCOUNT = f'"{Account._meta.db_table}"'
_POSTING = f'"{Posting._meta.db_table}"'
_ACCOUNT_ID = f'{_ACCOUNT}."id"'


def balances_by_code(codes: list[str]) -> dict[str, int]:
    """The cached balances of the accounts with these codes that were opened, by code: every order
    paid from credit reads its line's two before it is placed."""
    marks = ", ".join(["%s"] * len(codes))
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "code", "balance_amount" FROM {_ACCOUNT} WHERE "code" IN ({marks})', codes)  # noqa: S608 - our own table
        return dict(cursor.fetchall())


def _deltas(changes: dict[int, int]) -> tuple[str, list[int]]:
    """`CASE WHEN id = … THEN … END` for these changes, and its parameters."""
    params: list[int] = []
    for account_id, delta in changes.items():
        params += [account_id, delta]
    return "CASE " + f"WHEN {_ACCOUNT_ID} = %s THEN %s " * len(changes) + "END", params


def apply_balances(changes: dict[int, int]) -> dict[int, int] | None:
    """Add `changes` (guarded account id → amount) to the accounts' cached balances and return them
    after, by id; or None, changing nothing, when one of them would go below zero.

    The accounts are locked in id order, the one order every caller uses, and the check reads the
    locked rows: concurrent journals on the same accounts wait for each other and cannot overdraw.
    """
    case, case_params = _deltas(changes)
    ids = sorted(changes)
    marks = ", ".join(["%s"] * len(ids))
    lock = f" ORDER BY {_ACCOUNT_ID} FOR UPDATE" if connection.features.has_select_for_update else ""
    # The CTE is read twice (the rows to update, and whether any would go negative) and holds the
    # locks: MATERIALIZED evaluates it once, before the update.
    statement = (
        f'WITH "changed" AS MATERIALIZED (SELECT {_ACCOUNT_ID} AS "account_id", '  # noqa: S608 - the model's own table
        f'{_ACCOUNT}."balance_amount" + {case} AS "balance_after" '
        f"FROM {_ACCOUNT} WHERE {_ACCOUNT_ID} IN ({marks}){lock}) "
        f'UPDATE {_ACCOUNT} SET "balance_amount" = "changed"."balance_after" FROM "changed" '
        f'WHERE {_ACCOUNT_ID} = "changed"."account_id" '
        'AND NOT EXISTS (SELECT 1 FROM "changed" WHERE "balance_after" < 0) '
        'AND (SELECT COUNT(*) FROM "changed") = %s '
        'RETURNING "id", "balance_amount"'
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*case_params, *ids, len(ids)])
        after = {int(account_id): int(balance) for account_id, balance in cursor.fetchall()}
    if len(after) == len(ids):
        return after
    # Nothing was changed. An account that does not exist is a programming error, not a lack of funds.
    if Account.objects.filter(id__in=ids).count() != len(ids):
        raise LookupError(f"guarded accounts not found among {ids}")
    return None


def undo_balances(changes: dict[int, int]) -> None:
    """Take back `apply_balances(changes)` within the same transaction (the accounts stay locked)."""
    case, case_params = _deltas({account_id: -delta for account_id, delta in changes.items()})
    marks = ", ".join(["%s"] * len(changes))
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {_ACCOUNT} SET "balance_amount" = "balance_amount" + {case} WHERE {_ACCOUNT_ID} IN ({marks})',  # noqa: S608
            [*case_params, *changes],
        )


def insert_journal(*, key: str, kind: str, memo: str, created_at: datetime) -> int | None:
    """The new journal's id, or None when a journal with this key exists (nothing is written)."""
    values = {"key": key, "kind": kind, "memo": memo, "created_at": created_at}
    return rows.insert_new(Journal, values, unique=("key",))


def insert_postings(journal_id: int, postings: list[tuple[int, int, str]]) -> None:
    """The journal's postings, (account id, amount, currency) each, in one statement."""
    params: list[int | str] = []
    for account_id, amount, currency in postings:
        params += [journal_id, account_id, amount, currency]
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(postings))
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {_POSTING} ("journal_id", "account_id", "amount", "currency") VALUES {rows}',  # noqa: S608
            params,
        )
