"""Statement budgets: count the SQL statements and commits an operation sends, and fail with the list.

Budgets are measured as production runs them: in a real transaction (tests use
`django_db(transaction=True)`), so BEGIN/COMMIT are the request's own and not a test's savepoints.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Count:
    # Django logs BEGIN/COMMIT/ROLLBACK and savepoints with the queries: all are round trips.
    statements: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.statements)

    @property
    def commits(self) -> int:
        return sum(1 for sql in self.statements if sql.strip().upper() == "COMMIT")

    @property
    def savepoints(self) -> int:
        return sum(1 for sql in self.statements if sql.strip().upper().startswith("SAVEPOINT"))

    @property
    def autocommitted_writes(self) -> list[str]:
        """Writes sent outside BEGIN … COMMIT: each its own commit (and WAL flush) in autocommit."""
        inside, outside = False, []
        for sql in self.statements:
            word = sql.strip().split(None, 1)[0].upper() if sql.strip() else ""
            if word == "BEGIN":
                inside = True
            elif word in ("COMMIT", "ROLLBACK"):
                inside = False
            elif word in ("INSERT", "UPDATE", "DELETE") and not inside:
                outside.append(sql)
        return outside

    def listing(self) -> str:
        return "\n".join(f"{n:>3}. {sql[:240]}" for n, sql in enumerate(self.statements, 1))


@contextmanager
def counting() -> Iterator[Count]:
    count = Count()
    with CaptureQueriesContext(connection) as captured:
        yield count
    count.statements = [query["sql"] for query in captured.captured_queries]


def assert_within(count: Count, budget: int, what: str, *, savepoints: int = 0) -> None:
    """At most `budget` statements, one commit, and no more savepoints than stated."""
    print(f"{what}: {count.total} statements, {count.commits} commit(s), {count.savepoints} savepoint(s)")
    assert count.total <= budget and count.commits == 1 and count.savepoints <= savepoints, (
        f"{what}: {count.total} statements (budget {budget}, one commit, {savepoints} savepoint(s)), "
        f"{count.commits} commit(s), {count.savepoints} savepoint(s):\n{count.listing()}"
    )
