"""gunicorn configuration for benchmarks: each worker counts the requests it answered and the SQL its
database connections sent (statements, BEGINs, COMMITs, ROLLBACKs) into a small shared file, so the
benchmark reads exact totals per phase without touching the application.

    gunicorn -c bench/gunicorn_counting.py simrenew.wsgi:application   # BENCH_COUNTERS=<file>

Each worker owns one slot of the file (by its gunicorn age), written in place (mmap): the benchmark
reads the totals at any time with `read_totals`.
"""

import bisect
import gc
import mmap
import os
import struct
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

TOTALS = ("requests", "statements", "begins", "commits", "rollbacks")
BINS = 64  # requests by round trips sent (statements, BEGIN, COMMIT, ROLLBACK); the last bin: that many or more
# Requests by the time their thread took, from the request read to the response written, in steps of
# SERVED_STEP_MS (the last bin: that long or longer): the server's share of a latency, without the wait
# in the worker's queue or the load generator's.
SERVED_BINS, SERVED_STEP_MS = 400, 0.5
# The workers' garbage-collection pauses by length (ms, upper edges; the last bin: longer), and how many
# were full collections (generation 2): a pause holds up the request being served and those queued.
GC_EDGES_MS = (1, 2, 5, 10, 20, 50, 100)
GC_FIELDS = ("gc full", *(f"gc {n}" for n in range(len(GC_EDGES_MS) + 1)))
FIELDS = TOTALS + tuple(f"sent {n}" for n in range(BINS)) + tuple(f"served {n}" for n in range(SERVED_BINS)) + GC_FIELDS
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


def _add(name: str, count: int = 1) -> None:
    if name in TOTALS[1:]:
        _request.sent = getattr(_request, "sent", 0) + count
    offset = _state["offset"] + OFFSETS[name]
    with _state["lock"]:
        (value,) = struct.unpack_from("<q", _state["map"], offset)
        struct.pack_into("<q", _state["map"], offset, value + count)


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
    gc.callbacks.append(_on_gc)


_gc_pending: dict[str, int] = {}  # pauses seen since the last request ended, written by post_request


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    """Counts a pause in memory only: a collection can start anywhere, `_add` (and its lock) included."""
    if phase == "start":
        _state["gc_began"] = time.perf_counter()
        return
    paused_ms = (time.perf_counter() - _state.pop("gc_began", time.perf_counter())) * 1000
    names = ["gc full"] if info.get("generation") == 2 else []
    for name in [*names, f"gc {bisect.bisect_left(GC_EDGES_MS, paused_ms)}"]:
        _gc_pending[name] = _gc_pending.get(name, 0) + 1


def gc_pauses(before: dict[str, int], after: dict[str, int]) -> tuple[int, int, str]:
    """Between two readings: full collections, pauses of 5 ms or more, and the longest pause's bin
    ("0-1 ms", "20-50 ms", "> 100 ms"; "none" without any)."""
    counts = [after[f"gc {n}"] - before[f"gc {n}"] for n in range(len(GC_EDGES_MS) + 1)]
    longest = "none"
    edges = (0, *GC_EDGES_MS)
    for n, count in enumerate(counts):
        if count:
            longest = f"> {edges[n]} ms" if n == len(GC_EDGES_MS) else f"{edges[n]}-{edges[n + 1]} ms"
    long_ones = sum(counts[GC_EDGES_MS.index(5) + 1 :])
    return after["gc full"] - before["gc full"], long_ones, longest


def served_percentile(before: dict[str, int], after: dict[str, int], share: float) -> float:
    """The time (ms, a bin's upper edge) within which `share` of the requests between two readings were
    served by their thread; 0.0 when none were."""
    counts = [after[f"served {n}"] - before[f"served {n}"] for n in range(SERVED_BINS)]
    total = sum(counts)
    if not total:
        return 0.0
    seen = 0
    for n, count in enumerate(counts):
        seen += count
        if seen >= share * total:
            return (n + 1) * SERVED_STEP_MS
    return SERVED_BINS * SERVED_STEP_MS


def pre_request(worker: Any, req: Any) -> None:
    _request.sent = 0
    _request.began = time.perf_counter()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    if _state:
        _add("requests")
        _add(f"sent {min(getattr(_request, 'sent', 0), BINS - 1)}")
        served_ms = (time.perf_counter() - getattr(_request, "began", time.perf_counter())) * 1000
        _add(f"served {min(int(served_ms / SERVED_STEP_MS), SERVED_BINS - 1)}")
        while _gc_pending:
            _add(*_gc_pending.popitem())
