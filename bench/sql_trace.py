"""What a Django connection sends to the database, seen from outside the application: every statement
(through an execute wrapper) and every transaction start, commit and rollback (which Django sends
without a cursor). Used to count a server's statements and to record one operation's SQL."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Statement:
    sql: str  # Django's template: %s placeholders, %% for a percent sign
    params: Any
    many: bool
    columns: list[str] = field(default_factory=list)  # of the rows a RETURNING statement answered
    rows: list[tuple[Any, ...]] | None = None


@dataclass
class Marker:
    sql: str  # BEGIN, COMMIT or ROLLBACK


Event = Statement | Marker


def hook(connection: Any, on_statement: Callable[..., Any], on_marker: Callable[[str], None]) -> Callable[[], None]:
    """Install the hooks on one DatabaseWrapper; returns what removes them.

    `on_statement(execute, sql, params, many, context)` is an execute wrapper. `on_marker` hears BEGIN
    when Django leaves autocommit (psycopg sends BEGIN before the next statement), COMMIT, ROLLBACK.
    """
    set_autocommit, commit, rollback = connection._set_autocommit, connection._commit, connection._rollback

    def _set_autocommit(autocommit: bool) -> None:
        if not autocommit:
            on_marker("BEGIN")
        set_autocommit(autocommit)

    def _commit() -> None:
        on_marker("COMMIT")
        commit()

    def _rollback() -> None:
        on_marker("ROLLBACK")
        rollback()

    connection._set_autocommit, connection._commit, connection._rollback = _set_autocommit, _commit, _rollback
    connection.execute_wrappers.append(on_statement)

    def unhook() -> None:
        connection.execute_wrappers.remove(on_statement)
        for name in ("_set_autocommit", "_commit", "_rollback"):
            delattr(connection, name)

    return unhook


@contextmanager
def recording(connection: Any) -> Iterator[list[Event]]:
    """Every event of `connection` inside the block, with the parameters and what RETURNING answered."""
    events: list[Event] = []

    def on_statement(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        result = execute(sql, params, many, context)
        statement = Statement(sql=sql, params=params, many=many)
        cursor = context["cursor"]
        if not many and " RETURNING " in sql.upper() and cursor.description:
            # Read the answer and rewind (client-side cursor): the application reads it as if untouched.
            statement.columns = [column.name for column in cursor.description]
            statement.rows = cursor.fetchall()
            cursor.scroll(0, mode="absolute")
        events.append(statement)
        return result

    unhook = hook(connection, on_statement, lambda sql: events.append(Marker(sql)))
    try:
        yield events
    finally:
        unhook()
