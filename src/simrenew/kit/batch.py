"""Rows a batch of work reads once for many lines, handed out a line at a time.

The scheduler works a batch of lines per transaction, their locks held; code written for one line
(add a bundle period, expire bonus grants) would read its rows once per line. Inside `Taken.holding`
it finds them among the rows the batch read in one query instead. Each line's rows are handed out
once (`take`): what is done with them changes them, so a second use reads them again.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Taken[T]:
    """Rows read for a batch, by line; outside `holding`, `take` finds nothing (None)."""

    def __init__(self, name: str) -> None:
        self._var: ContextVar[dict[int, list[T]] | None] = ContextVar(name, default=None)

    @contextmanager
    def holding(
        self, line_ids: Iterable[int], read: Callable[[list[int]], Iterable[T]], line_of: Callable[[T], int]
    ) -> Iterator[None]:
        """Inside, the rows `read` returns for these lines (one query), by `line_of`; a line with none
        has an empty list (no query for it later)."""
        ids = list(line_ids)
        known: dict[int, list[T]] = {line_id: [] for line_id in ids}
        for row in read(ids) if ids else []:
            known[line_of(row)].append(row)
        token = self._var.set(known)
        try:
            yield
        finally:
            self._var.reset(token)

    def take(self, line_id: int) -> list[T] | None:
        """The line's rows as the batch read them, once; None when not read (or taken already)."""
        known = self._var.get()
        return known.pop(line_id, None) if known is not None else None
