"""Reading one row by a unique column, inserting a new row (or one unless its key is taken) and writing
some fields of a saved one, with a statement built once per model: for the rows a hot path reads or
writes on every call (a sale's line, locked; its order, receipt, retail sale and audit line; the
reference data's generation, read by every request; the line's credit validity, written by every
top-up; a request's nonce, an idempotency key, a journal's key).

Why not the ORM: for each `get` or `save()` it builds, compiles and quotes the statement again, which
on a POS sale cost more CPU than the database spends on the row. Here the statement is made from the
model's own fields the first time (so it follows the model as it changes, as the ORM's would) and
kept; each call only prepares the values as the ORM does (`pre_save`, `get_db_prep_save`), sends
them, and makes the instance as the ORM does (`Model.from_db`). Plain SQL that PostgreSQL and SQLite
(≥ 3.35: `INSERT … RETURNING`) both run; SQLite takes no row lock (a write transaction holds the
database). No signals are sent: `insert` and `update` refuse a model that has save receivers.
"""

from __future__ import annotations  # Field[...] is for type checkers only

import functools
from collections.abc import Sequence
from typing import Any

from django.db import DatabaseError, connections, router
from django.db.models import Field, Model, signals
from django.db.models.fields import NOT_PROVIDED

# A column's converters (the backend's, then the field's), as the ORM applies them to what a query reads.
_Converters = list[tuple[int, list[Any], Any]]


def _column(field: Field[Any, Any]) -> str:
    assert field.column is not None  # a concrete field has its column
    return field.column


# Each statement below is made once per process from the model's fields and kept (functools.cache: two
# threads may make the same one at once, alike; a refused one raises and is not kept).
@functools.cache
def _select(
    model: type[Model], column: str, lock: bool, alias: str
) -> tuple[str, list[str], Field[Any, Any], _Converters]:
    meta = model._meta
    by = meta.get_field(column)
    if not isinstance(by, Field) or not (by.primary_key or by.unique):
        raise ValueError(f"{meta.label}.{column} is not unique: get_by reads one row")
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = meta.concrete_fields
    table = quote(meta.db_table)
    columns = ", ".join(f"{table}.{quote(_column(field))}" for field in fields)
    locking = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    statement = f"SELECT {columns} FROM {table} WHERE {table}.{quote(_column(by))} = %s{locking}"  # noqa: S608 - the model's own table and columns
    converters: _Converters = []
    for index, field in enumerate(fields):
        col = field.get_col(meta.db_table)
        found_converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        if found_converters:
            converters.append((index, found_converters, col))
    return statement, [field.attname for field in fields], by, converters


def get_by[M: Model](model: type[M], column: str, value: object, *, lock: bool = False) -> M | None:
    """The row whose unique `column` holds `value`, as the ORM's `filter(column=value).first()` makes
    it (no related rows), or None; with `lock`, locked for the transaction (`select_for_update()`:
    this row only, as no other table is read). Read on the primary (`db_for_write`), never a replica:
    these are rows read to be written, or that must be current."""
    alias = router.db_for_write(model) or "default"
    connection = connections[alias]
    statement, attnames, by, converters = _select(model, column, lock, alias)
    with connection.cursor() as cursor:
        cursor.execute(statement, [by.get_db_prep_value(value, connection, prepared=False)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, convert_all, col in converters:
        for convert in convert_all:
            values[index] = convert(values[index], col, connection)
    return model.from_db(alias, attnames, values)


@functools.cache
def _statement(model: type[Model], alias: str) -> tuple[str, list[Field[Any, Any]]]:
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{meta.label} inherits another model's table: save it with the ORM")
    quote = connections[alias].ops.quote_name
    fields: list[Field[Any, Any]] = []
    for field in meta.local_concrete_fields:
        if field.primary_key:
            continue
        if field.generated or getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            raise TypeError(f"{meta.label}.{field.name} is computed by the database: save it with the ORM")
        fields.append(field)
    columns = ", ".join(quote(_column(field)) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    statement = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) RETURNING {quote(_column(meta.pk))}"  # noqa: S608 - the model's own table and columns
    return statement, fields


def insert[M: Model](obj: M) -> M:
    """Insert `obj` (new, its primary key left to the database) and set its primary key, as
    `obj.save(force_insert=True)` would."""
    model = type(obj)
    if obj.pk is not None:
        raise ValueError(f"{model._meta.label}: insert makes new rows; this one has its primary key")
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        raise TypeError(f"{model._meta.label} has save signal receivers: save it with the ORM")
    # As save() does: refuse an unsaved related object, and take the id of one saved since it was set.
    obj._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    statement, fields = _statement(model, alias)
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection=connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        row = cursor.fetchone()
    assert row is not None
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = alias
    return obj


@functools.cache
def _insert_new_statement(
    model: type[Model], names: tuple[str, ...], unique: tuple[str, ...], alias: str
) -> tuple[str, list[Field[Any, Any]]]:
    meta = model._meta
    fields: list[Field[Any, Any]] = [meta.get_field(name) for name in names]  # type: ignore[misc]
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(_column(field)) for field in fields)
    conflict = ", ".join(quote(_column(meta.get_field(name))) for name in unique)  # type: ignore[arg-type]
    marks = ", ".join(["%s"] * len(fields))
    statement = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - the model's own table and columns
        f" ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(_column(meta.pk))}"
    )
    return statement, fields


def insert_new(model: type[Model], values: dict[str, Any], *, unique: tuple[str, ...]) -> int | None:
    """Insert a row of `model` with `values` (by field name; the columns not named are left NULL, so
    they must allow it) unless a row with the same `unique` fields (a unique constraint) exists:
    the new row's primary key, or None and nothing is written. One round trip, no savepoint (`INSERT
    … ON CONFLICT DO NOTHING RETURNING`); on PostgreSQL, an insert of what another open transaction
    inserted waits for that transaction to end, which is what serialises concurrent callers. Values are
    prepared as the ORM prepares them (`get_db_prep_save`), with no `pre_save` (no auto_now)."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    statement, fields = _insert_new_statement(model, tuple(values), unique, alias)
    params = [
        field.get_db_prep_save(value, connection=connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return int(row[0]) if row else None


@functools.cache
def _update_statement(model: type[Model], names: tuple[str, ...], alias: str) -> tuple[str, list[Field[Any, Any]]]:
    meta = model._meta
    quote = connections[alias].ops.quote_name
    fields: list[Field[Any, Any]] = []
    for name in names:
        field = meta.get_field(name)
        if not isinstance(field, Field) or not field.concrete or field.primary_key or field.model is not model:
            raise ValueError(f"{meta.label}.{name} is not one of the table's own columns")
        fields.append(field)
    setting = ", ".join(f"{quote(_column(field))} = %s" for field in fields)
    statement = f"UPDATE {quote(meta.db_table)} SET {setting} WHERE {quote(_column(meta.pk))} = %s"  # noqa: S608 - the model's own table and columns
    return statement, fields


def update(obj: Model, fields: tuple[str, ...]) -> None:
    """Write `fields` of a saved `obj` to its row, as `obj.save(update_fields=fields)` would, and
    raise as it does when no row was changed (the row is gone)."""
    model = type(obj)
    if obj.pk is None:
        raise ValueError(f"{model._meta.label}: update writes a saved row; this one has no primary key")
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        raise TypeError(f"{model._meta.label} has save signal receivers: save it with the ORM")
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    statement, columns = _update_statement(model, fields, alias)
    values = [field.get_db_prep_save(field.pre_save(obj, False), connection=connection) for field in columns]
    values.append(model._meta.pk.get_db_prep_value(obj.pk, connection, prepared=False))
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        changed = cursor.rowcount
    if changed != 1:
        raise DatabaseError(f"{model._meta.label} {obj.pk}: the update changed {changed} rows, not one")


# Rows per statement of update_all: well within both databases' limits on parameters.
ROWS_PER_UPDATE = 500


def update_all(objs: Sequence[Model], fields: tuple[str, ...]) -> None:
    """`update` of many saved rows of one model in one statement per ROWS_PER_UPDATE rows
    (`UPDATE … FROM (VALUES …)`), where the ORM's `bulk_update` compiles a CASE per field and row;
    raises as `update` does when a row is gone."""
    if not objs:
        return
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise ValueError("update_all writes rows of one model")
    for obj in objs:
        if obj.pk is None:
            raise ValueError(f"{model._meta.label}: update_all writes saved rows; one has no primary key")
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        raise TypeError(f"{model._meta.label} has save signal receivers: save it with the ORM")
    alias = router.db_for_write(model, instance=objs[0])
    connection = connections[alias]
    _, written = _update_statement(model, fields, alias)  # the fields, checked as `update` checks them
    meta = model._meta
    columns: list[Field[Any, Any]] = [meta.pk, *written]
    quote = connection.ops.quote_name
    # PostgreSQL types a VALUES list from its values: each is cast to its column's type (SQLite needs none).
    if connection.vendor == "postgresql":
        marks = ", ".join(f"CAST(%s AS {column.cast_db_type(connection)})" for column in columns)
    else:
        marks = ", ".join(["%s"] * len(columns))
    table = quote(meta.db_table)
    setting = ", ".join(
        f"{quote(_column(field))} = v.column{index}" for index, field in enumerate(columns[1:], start=2)
    )
    pk = quote(_column(meta.pk))
    for start in range(0, len(objs), ROWS_PER_UPDATE):
        chunk = objs[start : start + ROWS_PER_UPDATE]
        values: list[Any] = []
        for obj in chunk:
            values.append(meta.pk.get_db_prep_value(obj.pk, connection, prepared=False))
            values += [
                field.get_db_prep_save(field.pre_save(obj, False), connection=connection) for field in columns[1:]
            ]
        listed = ", ".join([f"({marks})"] * len(chunk))
        statement = f"UPDATE {table} SET {setting} FROM (VALUES {listed}) AS v WHERE {table}.{pk} = v.column1"  # noqa: S608 - the model's own table and columns
        with connection.cursor() as cursor:
            cursor.execute(statement, values)
            changed = cursor.rowcount
        if changed != len({obj.pk for obj in chunk}):
            raise DatabaseError(f"{meta.label}: the update changed {changed} of {len(chunk)} rows (one is gone)")
