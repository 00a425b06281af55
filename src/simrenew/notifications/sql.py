"""The notifications' one statement the ORM cannot say: insert the messages whose key is not recorded
yet and get back the ids of those inserted, in one round trip and without a savepoint (PostgreSQL,
and SQLite ≥ 3.35), as `ledger.sql` does for journals. `bulk_create(ignore_conflicts=True)` would
insert the same rows but cannot tell which were new, nor give their ids."""

from typing import Any

from django.db import connection
from django.db.models import CharField, Field, ForeignKey, IntegerField, TextField

from simrenew.notifications.models import Notification


def insert_new(rows: list[Notification]) -> list[Notification]:
    """Insert the rows whose `key` does not exist yet; returns those, with their ids (in order)."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    fields = [field for field in Notification._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(str(field.column)) for field in fields)
    table = quote(Notification._meta.db_table)
    conflict = f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING {quote('id')}, {quote('key')}"
    if connection.vendor == "postgresql":
        # One array per column: as many parameters as columns whatever the number of rows, so that a
        # batch's statement stays short to send and to bind (a placeholder per value made binding
        # a few hundred rows cost more than the insert itself).
        arrays = [[_prepared(field, getattr(row, field.attname)) for row in rows] for field in fields]
        casts = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
        sql = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({casts}) {conflict}"  # noqa: S608 - a model's own table
        params: list[Any] = list(arrays)
    else:
        values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
        sql = f"INSERT INTO {table} ({columns}) VALUES {values} {conflict}"  # noqa: S608 - a model's own table
        params = [_prepared(field, getattr(row, field.attname)) for row in rows for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = {key: row_id for row_id, key in cursor.fetchall()}
    inserted = [row for row in rows if row.key in ids]
    for row in inserted:
        row.pk = ids[row.key]
        row._state.adding, row._state.db = False, connection.alias
    return inserted


# Fields whose value, when it is already a plain str, int or None, is what the ORM would send: their
# preparation (`get_db_prep_save`) only converts other types. A scheduler's batch prepares hundreds of
# rows of a dozen columns each; asking each field for each value was a tenth of a reminder's CPU.
_PLAIN_FIELDS = (CharField, TextField, IntegerField, ForeignKey)
_PLAIN_VALUES = (str, int, type(None))


def _prepared(field: "Field[Any, Any]", value: object) -> object:
    if type(value) in _PLAIN_VALUES and isinstance(field, _PLAIN_FIELDS):
        return value
    return field.get_db_prep_save(value, connection)
