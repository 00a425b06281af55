"""The terminals' statements the ORM cannot say: take an idempotency key (or a request nonce) unless
it is taken, and get the new row's id back, in one round trip and without a savepoint
(`kit.rows.insert_new`), as `ledger.sql` does for journals. On PostgreSQL the insert of a key that
another open transaction holds waits for that transaction to end: that is what serialises concurrent
callers.

And the one the ORM says at a cost: storing a call's answer, which every terminal sale does (a
queryset's UPDATE is built and compiled anew each time; this one is written once)."""

from datetime import datetime

from django.db import connection

from simrenew.kit import rows
from simrenew.terminals.models import IdempotentCall, UsedNonce


def claim_key(
    *, scope: str, key: str, terminal_id: int | None, request_hash: str, status_code: int, created_at: datetime
) -> int | None:
    """The new row's id, or None when the scope already holds `key` (nothing is written)."""
    values = {
        "scope": scope,
        "key": key,
        "terminal": terminal_id,
        "request_hash": request_hash,
        "status_code": status_code,
        "body_sealed": "",
        "created_at": created_at,
    }
    return rows.insert_new(IdempotentCall, values, unique=("scope", "key"))


def use_nonce(*, terminal_id: int, nonce: str, created_at: datetime) -> bool:
    """Record a request's nonce; False when the terminal used it before (nothing is written)."""
    values = {"terminal": terminal_id, "nonce": nonce, "created_at": created_at}
    return rows.insert_new(UsedNonce, values, unique=("terminal", "nonce")) is not None


def store_answer(*, call_id: int, status_code: int, body_sealed: str) -> None:
    """Keep the answer of the call `call_id` took (its status and sealed body)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(IdempotentCall._meta.db_table)} "  # noqa: S608 - a model's own table
            f"SET {quote('status_code')} = %s, {quote('body_sealed')} = %s WHERE {quote('id')} = %s",
            [status_code, body_sealed, call_id],
        )
