"""Charging decisions in process (`bench/charging.py --in-process`, `--profile`): what one decision costs
the web server, without a server, a network or a load generator in the way.

Django's test client drives whole data sessions (create, updates, release; HMAC-signed as the network
signs) through the full middleware stack and the Nchf API on the bench database, one request at a
time. For each kind of decision it reports the CPU of this process per decision (time.process_time:
Python, the ORM and the database driver's client side, as a gunicorn worker spends it), the wall time,
and the round trips sent (statements and BEGIN/COMMIT, counted by an execute wrapper). With --profile
it also runs the same sessions under cProfile (timed by this process's CPU, so that waiting on the
database or for a core does not count) and prints the functions that take the most time, by
own time and with what they call; with BENCH_PSTATS=FILE it also writes the profile there, for
pstats' callers and callees (`python -m pstats FILE`). The test client's own work (its signal
connections, encoding the request) is in these figures and not in gunicorn's.

On a shared machine, CPU per decision is the figure to compare: other processes move it far less than
wall time.
"""

import cProfile
import io
import os
import pstats
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from charging_load import run_session

KINDS = ("create", "update", "release")


@dataclass
class Tally:
    decisions: int = 0
    cpu: float = 0.0  # seconds of this process
    wall: float = 0.0
    round_trips: int = 0

    def line(self, kind: str) -> str:
        n = max(1, self.decisions)
        return (
            f"  {kind:<8} {self.decisions:6d} decisions  CPU {self.cpu * 1000 / n:6.2f} ms  wall"
            f" {self.wall * 1000 / n:6.2f} ms  round trips {self.round_trips / n:5.1f}"
        )


@dataclass
class Run:
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))

    @property
    def total(self) -> Tally:
        whole = Tally()
        for tally in self.tallies.values():
            whole.decisions += tally.decisions
            whole.cpu += tally.cpu
            whole.wall += tally.wall
            whole.round_trips += tally.round_trips
        return whole


def _kind(path: str) -> str:
    return "release" if path.endswith("/release") else "update" if path.endswith("/update") else "create"


def drive(slots: list[dict[str, Any]], *, sessions: int, updates: int, run: Run | None = None) -> Run:
    """`sessions` whole sessions, round-robin over the slots and each slot's lines; every decision
    timed and its round trips counted."""
    from django.db import connection
    from django.test import Client
    from sql_trace import hook

    from simrenew.handlers import routing_client_handler

    run = run or Run()
    client = Client()
    # The charging API's middleware chain, as gunicorn serves it.
    client.handler = routing_client_handler()(enforce_csrf_checks=False)
    sent = [0]

    def on_statement(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        sent[0] += 1
        return execute(sql, params, many, context)

    def on_marker(sql: str) -> None:
        sent[0] += 1

    def post(path: str, data: bytes, headers: dict[str, str]) -> Any:
        tally = run.tallies[_kind(path)]
        before_sent = sent[0]
        cpu, wall = time.process_time(), time.perf_counter()
        response = client.post(path, data=data, content_type="application/json", headers=headers)
        tally.cpu += time.process_time() - cpu
        tally.wall += time.perf_counter() - wall
        tally.round_trips += sent[0] - before_sent
        tally.decisions += 1
        return response

    def on_answer(ok: bool) -> None:
        if not ok:
            raise SystemExit("a charging decision was refused in process")

    connection.ensure_connection()
    unhook = hook(connection, on_statement, on_marker)
    try:
        for n in range(sessions):
            slot = slots[n % len(slots)]
            number = slot["numbers"][(n // len(slots)) % len(slot["numbers"])]
            run_session(post, slot, number, updates, on_answer)
    finally:
        unhook()
    return run


def report(title: str, run: Run) -> None:
    print(title)
    for kind in KINDS:
        if kind in run.tallies:
            print(run.tallies[kind].line(kind))
    print(run.total.line("all"))


def in_process(slots: list[dict[str, Any]], *, sessions: int, updates: int, profile: int) -> None:
    """A warm-up (a running server's caches), then the measured sessions; then, with `profile`, the
    same number under cProfile."""
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; pid {os.getpid()}")
    drive(slots, sessions=max(4, len(slots)), updates=updates)
    report(
        f"in process: {sessions} sessions of create, {updates} updates, release",
        drive(slots, sessions=sessions, updates=updates),
    )
    if profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits on the database
        profiler.enable()
        drive(slots, sessions=sessions, updates=updates)
        profiler.disable()
        if os.environ.get("BENCH_PSTATS"):
            profiler.dump_stats(os.environ["BENCH_PSTATS"])  # for pstats' callers and callees
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(profile)
            print(f"\ncProfile, by {order} ({sessions} sessions, {sessions * (updates + 2)} decisions):")
            print(out.getvalue().split("\n", 4)[-1] if "ncalls" in out.getvalue() else out.getvalue())
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
