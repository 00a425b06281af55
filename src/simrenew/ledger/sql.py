"""The ledger's one statement the ORM cannot say: insert a journal unless its key exists, and get
its id back, in one round trip and without a savepoint (PostgreSQL, and SQLite ≥ 3.35)."""

from datetime import datetime

from django.db import connection

from simrenew.ledger.models import Journal


def insert_journal(*, key: str, kind: str, memo: str, created_at: datetime) -> int | None:
    """The new journal's id, or None when a journal with this key exists (nothing is written)."""
    quote = connection.ops.quote_name
    table = quote(Journal._meta.db_table)
    columns = ", ".join(quote(name) for name in ("key", "kind", "memo", "created_at"))
    field = Journal._meta.get_field("created_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s) "  # noqa: S608 - a model's own table
            f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING {quote('id')}",
            [key, kind, memo, field.get_db_prep_value(created_at, connection)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None
