"""The notifications' one statement the ORM cannot say: insert the messages whose key is not recorded
yet and get back the ids of those inserted, in one round trip and without a savepoint (PostgreSQL,
and SQLite ≥ 3.35), as `ledger.sql` does for journals. `bulk_create(ignore_conflicts=True)` would
insert the same rows but cannot tell which were new, nor give their ids.

A scheduler's batch records hundreds of messages: they come as tuples of plain values (no model
instance each) and each column is prepared as a whole, a value once however many rows share it (an
event's facts, the batch's moment)."""

from typing import Any

from django.db import connection
from django.db.models import CharField, Field, ForeignKey, IntegerField, TextField

from simrenew.notifications.models import Notification

# The columns a message is recorded with, in the order of insert_new's tuples; the others take the
# model's defaults (not sent yet, no attempts).
COLUMNS = (
    "key",
    "event_key",
    "kind",
    "channel",
    "recipient",
    "customer_id",
    "line_id",
    "language",
    "facts",
    "send_after",
    "created_at",
)
KEY = COLUMNS.index("key")
SEND_AFTER = COLUMNS.index("send_after")


def insert_new(rows: list[tuple[Any, ...]]) -> dict[str, int]:
    """Insert the rows (values of COLUMNS) whose key is not recorded yet; returns their ids by key."""
    if not rows:
        return {}
    meta = Notification._meta
    given: list[Field[Any, Any]] = [meta.get_field(name) for name in COLUMNS]  # type: ignore[misc]
    rest = [field for field in meta.concrete_fields if not field.primary_key and field not in given]
    defaults = [field.get_db_prep_save(field.get_default(), connection) for field in rest]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in [*given, *rest])
    table = quote(meta.db_table)
    conflict = f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING {quote('id')}, {quote('key')}"
    prepared = [_prepared(field, [row[index] for row in rows]) for index, field in enumerate(given)]
    if connection.vendor == "postgresql":
        # One array per column: as many parameters as columns whatever the number of rows, so that a
        # batch's statement stays short to send and to bind (a placeholder per value made binding
        # a few hundred rows cost more than the insert itself). The defaults are constants.
        arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in given)
        constants = "".join(f", CAST(%s AS {field.db_type(connection)})" for field in rest)
        sql = f"INSERT INTO {table} ({columns}) SELECT u.*{constants} FROM unnest({arrays}) AS u {conflict}"  # noqa: S608 - a model's own table
        params: list[Any] = [*defaults, *prepared]
    else:
        row_marks = "(" + ", ".join(["%s"] * (len(given) + len(rest))) + ")"
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_marks] * len(rows))} {conflict}"  # noqa: S608 - a model's own table
        params = [value for values in zip(*prepared, strict=True) for value in (*values, *defaults)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {key: row_id for row_id, key in cursor.fetchall()}


# Fields whose value, when it is already a plain str, int or None, is what the ORM would send: their
# preparation (`get_db_prep_save`) only converts other types.
_PLAIN_FIELDS = (CharField, TextField, IntegerField, ForeignKey)
_PLAIN_VALUES = (str, int, type(None))


def _prepared(field: "Field[Any, Any]", values: list[Any]) -> list[Any]:
    """A column's values as the ORM would send them; each distinct object prepared once."""
    if isinstance(field, _PLAIN_FIELDS):
        return [
            value if type(value) in _PLAIN_VALUES else field.get_db_prep_save(value, connection) for value in values
        ]
    done: dict[int, Any] = {}
    column = []
    for value in values:
        key = id(value)  # the rows hold every value, so an id is not reused meanwhile
        if key not in done:
            done[key] = field.get_db_prep_save(value, connection)
        column.append(done[key])
    return column
