"""gunicorn configuration for benchmarks: each worker counts the requests it answered and the SQL its
database connections sent (statements, BEGINs, COMMITs, ROLLBACKs) into a small shared file, so the
benchmark reads exact totals per phase without touching the application.

    gunicorn -c bench/gunicorn_counting.py simrenew.wsgi:application   # BENCH_COUNTERS=<file>

Each worker owns one slot of the file (by its gunicorn age), written in place (mmap): the benchmark
reads the totals at any time with `read_totals`.
"""

import mmap
import os
import struct
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

TOTALS = ("requests", "statements", "begins", "commits", "rollbacks")
BINS = 64  # requests by round trips sent (statements, BEGIN, COMMIT, ROLLBACK); the last bin: that many or more
FIELDS = TOTALS + tuple(f"sent {n}" for n in range(BINS))
SLOTS = 256
SLOT_SIZE = 8 * len(FIELDS)
OFFSETS = {name: 8 * n for n, name in enumerate(FIELDS)}
_state: dict[str, Any] = {}
_request = threading.local()  # round trips of the request this thread serves


def create_file(path: Path) -> None:
    path.write_bytes(bytes(SLOTS * SLOT_SIZE))


def read_totals(path: Path) -> dict[str, int]:
    data = path.read_bytes()
    totals = dict.fromkeys(FIELDS, 0)
    for slot in range(SLOTS):
        for name, value in zip(FIELDS, struct.unpack_from(f"<{len(FIELDS)}q", data, slot * SLOT_SIZE), strict=True):
            totals[name] += value
    return totals


def _add(name: str) -> None:
    if name in TOTALS[1:]:
        _request.sent = getattr(_request, "sent", 0) + 1
    offset = _state["offset"] + OFFSETS[name]
    with _state["lock"]:
        (value,) = struct.unpack_from("<q", _state["map"], offset)
        struct.pack_into("<q", _state["map"], offset, value + 1)


def _count_statement(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    _add("statements")
    return execute(sql, params, many, context)


def _on_marker(sql: str) -> None:
    _add({"BEGIN": "begins", "COMMIT": "commits", "ROLLBACK": "rollbacks"}[sql])


def _instrument(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Once per DatabaseWrapper (one per thread), when it first connects."""
    import sql_trace

    if not getattr(connection, "_bench_counted", False):
        connection._bench_counted = True
        sql_trace.hook(connection, _count_statement, _on_marker)


def post_worker_init(worker: Any) -> None:
    from django.db.backends.signals import connection_created

    handle = open(os.environ["BENCH_COUNTERS"], "r+b")  # noqa: SIM115 - mapped for the worker's life
    _state.update(
        map=mmap.mmap(handle.fileno(), SLOTS * SLOT_SIZE),
        offset=(worker.age % SLOTS) * SLOT_SIZE,
        lock=threading.Lock(),
    )
    connection_created.connect(_instrument, weak=False)


def pre_request(worker: Any, req: Any) -> None:
    _request.sent = 0


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    if _state:
        _add("requests")
        _add(f"sent {min(getattr(_request, 'sent', 0), BINS - 1)}")
