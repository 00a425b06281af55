"""The statements every charging decision sends, in plain SQL made once per process.

Why not the ORM here: a decision is a dozen small indexed statements, and building, compiling and
quoting each of them through the ORM (querysets cloned, lookups resolved, joins set up, columns
quoted) cost the web server several times the CPU PostgreSQL spends running them (see the profile of
`bench/charging.py --in-process --profile`). Each statement below is made the first time from the
models' own tables and columns (so it follows the models as they change, as the ORM's would) and
kept; a call only sends values and builds instances with `Model.from_db`, as a queryset does.

Every statement is plain SQL that PostgreSQL and SQLite both run; row locks (`FOR UPDATE OF`) are
added only where the database has them (SQLite serialises writers and has none). What each one does
is the same as the ORM query it replaces: the tests of charging run on both databases.
"""

import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Model

from simrenew.brands.models import Brand
from simrenew.charging.models import AllowanceCarry, ChargingSession, RatingGroup, Reservation
from simrenew.ledger.models import Account
from simrenew.lines.models import BundlePeriod, Line, PeriodStatus

_lock = threading.Lock()
_made: dict[tuple[str, str], str] = {}

ALLOWANCE_OF = {
    RatingGroup.DATA: "data",
    RatingGroup.ROAMING_EU: "data",
    RatingGroup.VOICE: "voice",
    RatingGroup.SMS: "sms",
}


def _q(name: str | None) -> str:
    assert name is not None  # a concrete column's name
    return connection.ops.quote_name(name)


def _table(model: type[Model]) -> str:
    return _q(model._meta.db_table)


def _column(model: type[Model], name: str) -> str:
    return _q(getattr(model._meta.get_field(name), "column"))  # noqa: B009 - a relation has no .column for mypy


def _attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _columns(model: type[Model], alias: str) -> str:
    return ", ".join(f"{alias}.{_q(field.column)}" for field in model._meta.concrete_fields)


def _statement(name: str, make: Callable[[], str]) -> str:
    """The statement `name` for this connection's database, made once per process."""
    key = (connection.vendor, name)
    found = _made.get(key)
    if found is None:
        found = make()
        with _lock:
            _made[key] = found
    return found


def _lock_line_of(alias: str) -> str:
    """FOR UPDATE OF the line's row only (not its brand's), where the database locks rows."""
    features = connection.features
    if not features.has_select_for_update:
        return ""
    return f" FOR UPDATE OF {alias}" if features.has_select_for_update_of else " FOR UPDATE"


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _write(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


_converters: dict[tuple[str, type[Model]], list[list[Any]]] = {}


def _converters_of(model: type[Model]) -> list[list[Any]]:
    """Per concrete field, the converters a queryset applies to its column: the database's, then the
    field's own (e.g. SQLite's text to datetime, a JSON field's text to Python)."""
    key = (connection.vendor, model)
    found = _converters.get(key)
    if found is None:
        found = []
        for field in model._meta.concrete_fields:
            column = field.get_col(model._meta.db_table)
            found.append([*connection.ops.get_db_converters(column), *column.get_db_converters(connection)])
        with _lock:
            _converters[key] = found
    return found


def _build[M: Model](model: type[M], values: Sequence[Any]) -> M:
    """An instance from a row of the model's concrete columns, as a queryset builds it."""
    converted = list(values)
    for index, converters in enumerate(_converters_of(model)):
        for converter in converters:
            converted[index] = converter(converted[index], model._meta.concrete_fields[index].cached_col, connection)
    return model.from_db(connection.alias, _attnames(model), converted)


def _line_with_brand(row: Sequence[Any]) -> Line:
    width = len(Line._meta.concrete_fields)
    line = _build(Line, row[:width])
    Line._meta.get_field("brand").set_cached_value(line, _build(Brand, row[width:]))
    return line


def _line_select(where: str) -> str:
    return (
        f"SELECT {_columns(Line, 'l')}, {_columns(Brand, 'b')} FROM {_table(Line)} l"  # noqa: S608 - the models' own tables and columns
        f" INNER JOIN {_table(Brand)} b ON b.{_q(Brand._meta.pk.column)} = l.{_column(Line, 'brand')}"
        f" WHERE {where}{_lock_line_of('l')}"
    )


def lock_line_by_msisdn(msisdn: str) -> Line | None:
    """The line with this number (E.164) and its brand, the line's row locked as lines.service.lock_line
    locks it, in one statement; None when no line has it."""
    sql = _statement("lock_line_by_msisdn", lambda: _line_select(f"l.{_column(Line, 'msisdn')} = %s"))
    rows = _fetch(sql, [msisdn])
    return _line_with_brand(rows[0]) if rows else None


def lock_line_of_session(*, client_id: int, ref: str) -> Line | None:
    """The line of the client's session `ref`, locked as lock_line_by_msisdn locks it, in one statement
    (a session's line never changes, so it is found by a subquery); None when there is no such session."""

    def make() -> str:
        of_session = (
            f"SELECT s.{_column(ChargingSession, 'line')} FROM {_table(ChargingSession)} s"  # noqa: S608 - the models' own tables and columns
            f" WHERE s.{_column(ChargingSession, 'ref')} = %s AND s.{_column(ChargingSession, 'client')} = %s"
        )
        return _line_select(f"l.{_q(Line._meta.pk.column)} = ({of_session})")

    rows = _fetch(_statement("lock_line_of_session", make), [ref, client_id])
    return _line_with_brand(rows[0]) if rows else None


def _session_where(name: str, where: str) -> str:
    return _statement(
        name,
        lambda: f"SELECT {_columns(ChargingSession, 's')} FROM {_table(ChargingSession)} s WHERE {where}",  # noqa: S608 - the models' own tables and columns
    )


def session_with_reservations(ref: str) -> tuple[ChargingSession | None, list[Reservation]]:
    """The session `ref` and its reservations, in one statement (an update reads both under the line's
    lock); (None, []) when there is no such session."""

    def make() -> str:
        session_pk, reservation_session = _q(ChargingSession._meta.pk.column), _column(Reservation, "session")
        return (
            f"SELECT {_columns(ChargingSession, 's')}, {_columns(Reservation, 'r')} FROM {_table(ChargingSession)} s"  # noqa: S608 - the models' own tables and columns
            f" LEFT JOIN {_table(Reservation)} r ON r.{reservation_session} = s.{session_pk}"
            f" WHERE s.{_column(ChargingSession, 'ref')} = %s ORDER BY r.{_q(Reservation._meta.pk.column)}"
        )

    rows = _fetch(_statement("session_with_reservations", make), [ref])
    if not rows:
        return None, []
    width = len(ChargingSession._meta.concrete_fields)
    session = _build(ChargingSession, rows[0][:width])
    return session, [_build(Reservation, row[width:]) for row in rows if row[width] is not None]


def session_by_key(*, client_id: int, client_key: str) -> ChargingSession | None:
    sql = _session_where(
        "session_by_key",
        f"s.{_column(ChargingSession, 'client')} = %s AND s.{_column(ChargingSession, 'client_key')} = %s",
    )
    rows = _fetch(sql, [client_id, client_key])
    return _build(ChargingSession, rows[0]) if rows else None


def save_session(session: ChargingSession) -> None:
    """Write what a decision changes of a session: its sequence, status and times."""
    names = ("sequence", "status", "updated_at", "expires_at")

    def make() -> str:
        sets = ", ".join(f"{_column(ChargingSession, name)} = %s" for name in names)
        return f"UPDATE {_table(ChargingSession)} SET {sets} WHERE {_q(ChargingSession._meta.pk.column)} = %s"  # noqa: S608 - the models' own tables and columns

    fields = [ChargingSession._meta.get_field(name) for name in names]
    values = [field.get_db_prep_save(getattr(session, field.attname), connection) for field in fields]  # type: ignore[union-attr]
    _write(_statement("save_session", make), [*values, session.pk])


# What a decision changes of a reservation it read (all but its keys: session, line, rating group).
_RESERVATION_CHANGES = (
    "granted_units",
    "period",
    "allowance_units",
    "bonus_amount",
    "credit_amount",
    "expires_at",
    "rate",
    "mode",
    "used_units",
    "billable_units",
    "charged_units",
    "charged_amount",
)


def save_reservation(reservation: Reservation) -> None:
    """Write a reservation a decision read and changed (a new one is inserted: kit.rows)."""

    def make() -> str:
        sets = ", ".join(f"{_column(Reservation, name)} = %s" for name in _RESERVATION_CHANGES)
        return f"UPDATE {_table(Reservation)} SET {sets} WHERE {_q(Reservation._meta.pk.column)} = %s"  # noqa: S608 - the models' own tables and columns

    fields = [Reservation._meta.get_field(name) for name in _RESERVATION_CHANGES]
    values = [field.get_db_prep_save(getattr(reservation, field.attname), connection) for field in fields]  # type: ignore[union-attr]
    _write(_statement("save_reservation", make), [*values, reservation.pk])


# --- What a line has: balances, other sessions' holds, the current bundle and its carry, one statement


def _state_sql() -> str:
    code = _column(Account, "code")
    r = {name: _column(Reservation, name) for name in ("rating_group", "period", "bonus_amount", "credit_amount")}
    r |= {name: _column(Reservation, name) for name in ("allowance_units", "line", "expires_at", "session")}
    p = {name: _column(BundlePeriod, name) for name in ("line", "status", "starts_at", "ends_at")}
    period_pk = _q(BundlePeriod._meta.pk.column)
    carry_period = _column(AllowanceCarry, "period")
    statuses = ", ".join(["%s"] * 2)
    # One row per group of other sessions' holds (or one row of NULLs without any), each carrying the
    # bonus and credit accounts and the current period with its carry: LEFT JOINs on a one-row base.
    return (
        f"SELECT {_columns(Account, 'ab')}, {_columns(Account, 'ac')},"  # noqa: S608 - the models' own tables and columns
        f" h.rating_group, h.period_id, h.bonus, h.credit, h.allowance,"
        f" {_columns(BundlePeriod, 'p')}, {_columns(AllowanceCarry, 'c')}"
        f" FROM (SELECT 1 AS one) base"
        f" LEFT JOIN {_table(Account)} ab ON ab.{code} = %s"
        f" LEFT JOIN {_table(Account)} ac ON ac.{code} = %s"
        f" LEFT JOIN (SELECT r.{r['rating_group']} AS rating_group, r.{r['period']} AS period_id,"
        f" SUM(r.{r['bonus_amount']}) AS bonus, SUM(r.{r['credit_amount']}) AS credit,"
        f" SUM(r.{r['allowance_units']}) AS allowance FROM {_table(Reservation)} r"
        f" WHERE r.{r['line']} = %s AND r.{r['expires_at']} > %s AND r.{r['session']} <> %s"
        f" GROUP BY r.{r['rating_group']}, r.{r['period']}) h ON 1 = 1"
        f" LEFT JOIN {_table(BundlePeriod)} p ON p.{period_pk} = (SELECT q.{period_pk} FROM {_table(BundlePeriod)} q"
        f" WHERE q.{p['line']} = %s AND q.{p['status']} IN ({statuses}) AND q.{p['starts_at']} <= %s"
        f" AND q.{p['ends_at']} > %s ORDER BY q.{p['starts_at']}, q.{period_pk} LIMIT 1)"
        f" LEFT JOIN {_table(AllowanceCarry)} c ON c.{carry_period} = p.{period_pk}"
    )


class LineState:
    """What `line_state` read: the line's bonus and credit accounts (None for one not opened yet) and
    their balances (0 then), what its other sessions hold and that still counts, and its current bundle period (the
    first started and not ended) with the carry of its next MB and minute."""

    def __init__(self) -> None:
        self.bonus_account: Account | None = None
        self.credit_account: Account | None = None
        self.bonus_balance = 0
        self.credit_balance = 0
        self.held_bonus = 0
        self.held_credit = 0
        # (period id, allowance kind) -> units held
        self.held_allowance: dict[tuple[int, str], int] = defaultdict(int)
        self.period: BundlePeriod | None = None
        self.carry: AllowanceCarry | None = None

    def allowance_of(self, period_id: int) -> dict[str, int]:
        return {kind: units for (period, kind), units in self.held_allowance.items() if period == period_id}


def line_state(*, line: Line, session_id: int, at: datetime) -> LineState:
    """The bonus and credit accounts with their balances, the other sessions' holds, the current period
    and its carry, in one statement (the reads of queries.held_by_others, queries.current_period and
    ledger.balances_by_code; the accounts are the rows ledger.account would look up to post to them)."""
    when = connection.ops.adapt_datetimefield_value(at)
    statuses = [PeriodStatus.ACTIVE.value, PeriodStatus.QUEUED.value]
    params = [line.bonus_account_code, line.credit_account_code, line.pk, when, session_id, line.pk, *statuses]
    rows = _fetch(_statement("line_state", _state_sql), [*params, when, when])
    state = LineState()
    account_width, period_width = len(Account._meta.concrete_fields), len(BundlePeriod._meta.concrete_fields)
    holds = 2 * account_width
    for row in rows:
        if state.bonus_account is None and row[0] is not None:
            state.bonus_account = _build(Account, row[:account_width])
            state.bonus_balance = int(state.bonus_account.balance_amount or 0)
        if state.credit_account is None and row[account_width] is not None:
            state.credit_account = _build(Account, row[account_width:holds])
            state.credit_balance = int(state.credit_account.balance_amount or 0)
        group, period_id, held_bonus, held_credit, allowance = row[holds : holds + 5]
        if group is not None:
            state.held_bonus += int(held_bonus or 0)
            state.held_credit += int(held_credit or 0)
            if period_id is not None:
                state.held_allowance[(period_id, ALLOWANCE_OF[RatingGroup(group)])] += int(allowance or 0)
        period_row, carry_row = row[holds + 5 : holds + 5 + period_width], row[holds + 5 + period_width :]
        if state.period is None and period_row[0] is not None:
            state.period = _build(BundlePeriod, period_row)
            state.carry = _build(AllowanceCarry, carry_row) if carry_row[0] is not None else None
    state.held_allowance = dict(state.held_allowance)
    return state
