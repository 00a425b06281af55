"""The ledger core in process: journals/s of `ledger.post_journal` with 2, 4 and 8 worker processes,
against pgbench running the same statements (the database's own ceiling), on PostgreSQL.

    .venv/bin/python bench/ledger.py --seconds 10
    .venv/bin/python bench/pos_sales.py --ledger     # the same, after the POS phases, in their cluster

1. Creates a throwaway PostgreSQL cluster (or uses --database-url), migrates it, and opens retailer
   floats (well funded) and line credit accounts: each journal moves €10 from a float to a line's
   credit with a 3 % commission, as a POS top-up does — two guarded accounts locked and checked, one
   platform account, three postings.
2. Records two journals in process and makes the pgbench script from their SQL (`captured_sql`): a
   random float and line per transaction, a new journal key each time.
3. For each worker count, that many processes call `post_journal` in a loop, each journal in its own
   transaction (as a sale's), for the given time; prints journals/s, statements per journal, the
   workers' CPU and PostgreSQL's CPU per journal (/proc); then pgbench runs the script with the same
   number of clients, and its transactions/s, PostgreSQL CPU per transaction and the ratio follow.

A benchmark, not a test: it prints figures and never fails on a time. It talks to 127.0.0.1 only.
"""

import argparse
import json
import multiprocessing
import os
import resource
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from proc_cpu import children_of, parent_of, tree_seconds, wait_reaped  # noqa: E402 - bench/ is on the path when run
from scratch_db import scratch_database  # noqa: E402

FLOATS = 16
LINES = 2000
TARGET = 1000  # journals/s with 2 workers (issue 8)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")
    import django

    django.setup()


def load(url: str) -> dict[str, int]:
    """Migrate and open the accounts; ids are consecutive so pgbench can pick them by offset."""
    setup_django(url)
    from django.core.management import call_command
    from django.db import transaction

    from simrenew.ledger import service as ledger
    from simrenew.ledger.models import Account, AccountKind

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        source = ledger.account("platform:bench_deposits", "retailer_deposits")
        floats = [ledger.account(f"retailer:{n}:float", AccountKind.RETAILER_FLOAT) for n in range(1, FLOATS + 1)]
        ledger.post_journal(
            key="bench:funding",
            kind="retailer_deposit",
            entries=[ledger.Entry(f, 10**12) for f in floats] + [ledger.Entry(source, -(10**12) * FLOATS)],
        )
        lines = Account.objects.bulk_create(
            [Account(code=f"line:{n}:credit", kind=AccountKind.LINE_CREDIT, guarded=True) for n in range(1, LINES + 1)]
        )
        ledger.account("platform:commission_expense", AccountKind.COMMISSION_EXPENSE)
    float_ids, line_ids = sorted(a.id for a in floats), sorted(a.id for a in lines)
    if float_ids != list(range(float_ids[0], float_ids[0] + FLOATS)) or line_ids != list(
        range(line_ids[0], line_ids[0] + LINES)
    ):
        raise SystemExit("bench data: account ids are not consecutive")
    return {"float_first": float_ids[0], "line_first": line_ids[0]}


def journal(key: str, float_account: Any, line_account: Any, commission: Any) -> None:
    """One sale's journal, in its own transaction."""
    from django.db import transaction

    from simrenew.ledger import service as ledger

    with transaction.atomic():
        ledger.post_journal(
            key=key,
            kind="topup_sale",
            entries=[
                ledger.Entry(float_account, -970),
                ledger.Entry(commission, -30),
                ledger.Entry(line_account, 1000),
            ],
            memo="bench",
        )


def accounts() -> tuple[list[Any], list[Any], Any]:
    """The bench's floats, line credit accounts and the commission account, in one query."""
    from simrenew.ledger.models import Account

    found = {a.code: a for a in Account.objects.filter(code__regex=r"^(retailer:|line:|platform:commission)")}
    floats = [found[f"retailer:{n}:float"] for n in range(1, FLOATS + 1)]
    lines = [found[f"line:{n}:credit"] for n in range(1, LINES + 1)]
    return floats, lines, found["platform:commission_expense"]


def make_script(ids: dict[str, int]) -> Any:
    """The pgbench script from two recorded journals: a random float and line, a new key each time."""
    from captured_sql import Capture, pgbench_script
    from django.db import connection
    from sql_trace import recording

    floats, lines, commission = accounts()
    captures = []
    for n in range(2):
        at = datetime.now(UTC)
        with recording(connection) as events:
            journal(f"bench:recorded:{n}", floats[n], lines[n], commission)
        bound = {("ledger_account", floats[n].id): ":bench_float", ("ledger_account", lines[n].id): ":bench_credit"}
        captures.append(Capture(events=events, at=at, ids=bound))
    return pgbench_script(
        captures,
        slots=1,
        preamble=[
            f"\\set bench_float random({ids['float_first']}, {ids['float_first'] + FLOATS - 1})",
            f"\\set bench_credit random({ids['line_first']}, {ids['line_first'] + LINES - 1})",
        ],
        literal=lambda value: connection.ops.compose_sql("%s", [value]),  # type: ignore[attr-defined]
    )


def worker(
    url: str, seconds: float, seed: int, start: Any, out: "multiprocessing.Queue[tuple[int, int, float]]"
) -> None:
    setup_django(url)
    import random

    from django.db import connection
    from sql_trace import hook

    rng = random.Random(seed)
    run_id = uuid.uuid4().hex  # journal keys are unique across runs and workers
    floats, lines, commission = accounts()
    sent = [0]

    def on_statement(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent[0] += 1
        return execute(sql, params, many, context)

    def on_marker(sql: str) -> None:
        sent[0] += 1

    hook(connection, on_statement, on_marker)  # counts round trips, BEGIN and COMMIT included
    done = 0
    start.wait()  # every worker ready: the clock and the CPU counters start together
    deadline = time.monotonic() + seconds
    cpu = time.process_time()
    while time.monotonic() < deadline:
        journal(f"bench:{run_id}:{done}", rng.choice(floats), rng.choice(lines), commission)
        done += 1
    statements = sent[0]
    out.put((done, statements, time.process_time() - cpu))


def run_workers(url: str, count: int, seconds: float, postmaster: int) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[tuple[int, int, float]] = context.Queue()
    start = context.Barrier(count + 1)
    processes = [context.Process(target=worker, args=(url, seconds, n, start, queue)) for n in range(count)]
    backends = children_of(postmaster)
    for process in processes:
        process.start()
    start.wait(timeout=120)
    db_before = tree_seconds(postmaster)
    results = [queue.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    wait_reaped(postmaster, backends)
    db_seconds = tree_seconds(postmaster) - db_before
    journals = sum(done for done, _, _ in results)
    return {
        "journals_per_second": journals / seconds,
        "statements": sum(s for _, s, _ in results) / max(1, journals),
        "app_ms": sum(c for _, _, c in results) * 1000 / max(1, journals),
        "db_ms": db_seconds * 1000 / max(1, journals),
    }


def pgbench_with_cpu(url: str, script: Path, clients: int, seconds: float, postmaster: int) -> dict[str, float]:
    """pgbench's transactions/s, and PostgreSQL's and pgbench's own CPU per transaction (ms)."""
    from captured_sql import run_pgbench

    backends = children_of(postmaster)
    db_before, own_before = tree_seconds(postmaster), resource.getrusage(resource.RUSAGE_CHILDREN)
    tps, transactions = run_pgbench(url=url, script=script, clients=clients, seconds=seconds)
    wait_reaped(postmaster, backends)
    own = resource.getrusage(resource.RUSAGE_CHILDREN)
    pgbench_seconds = own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime
    return {
        "pgbench_tps": tps,
        "pgbench_db_ms": (tree_seconds(postmaster) - db_before) * 1000 / max(1, transactions),
        "pgbench_ms": pgbench_seconds * 1000 / max(1, transactions),
    }


def run(url: str, home: Path, *, seconds: float, counts: list[int]) -> list[dict[str, float]]:
    os.environ.setdefault("SIMRENEW_VAR", str(home / "var"))
    ids = load(url)
    script = make_script(ids)
    path = home / "pgbench-ledger.sql"
    path.write_text(script.text)
    from django.db import connections

    connections.close_all()
    with psycopg.connect(url) as conn:
        postmaster = parent_of(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
    print(f"ledger core: {FLOATS} floats, {LINES} lines, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print(f"a journal, as recorded: {script.statements} statements: {script.outline}")
    for note in script.notes:
        print(f"  note: {note}")
    print(
        f"{'workers':>8} {'journals/s':>11} {'stmts':>6} {'app ms':>7} {'PG ms':>6} | pgbench tps {'PG ms':>6}"
        " pgbench ms | app/db by CPU"
    )
    rows = []
    for count in counts:
        row = {"workers": count, **run_workers(url, count, seconds, postmaster)}
        row.update(pgbench_with_cpu(url, path, count, seconds, postmaster))
        by_cpu = (row["pgbench_db_ms"] + row["pgbench_ms"]) / (row["app_ms"] + row["db_ms"])
        rows.append(row)
        print(
            f"{count:>8} {row['journals_per_second']:>11.0f} {row['statements']:>6.1f} {row['app_ms']:>7.2f}"
            f" {row['db_ms']:>6.2f} | {row['pgbench_tps']:>11.0f} {row['pgbench_db_ms']:>6.2f}"
            f" {row['pgbench_ms']:>10.2f} | {row['journals_per_second'] / row['pgbench_tps']:>6.0%} {by_cpu:>6.0%}",
            flush=True,
        )
    print(
        "  app ms / PG ms: CPU per journal of the workers / of PostgreSQL; pgbench ms: pgbench's own CPU per"
        " transaction; stmts: BEGIN and COMMIT included; by CPU: app/db were the cores ours alone and all CPU-bound"
    )
    two = next((row["journals_per_second"] for row in rows if row["workers"] == 2), None)
    if two is not None:
        print(f"target >= {TARGET} journals/s with 2 workers: {'met' if two >= TARGET else 'MISSED'} ({two:.0f})")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        help="a scratch database on an existing server (dropped and created again); by default a throwaway"
        " cluster, so that PostgreSQL's CPU is the benchmark's alone",
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", default="2,4,8", help="comma-separated worker counts")
    parser.add_argument("--results", type=Path, help="write the figures as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (script, cluster)")
    args = parser.parse_args()
    counts = [int(part) for part in args.workers.split(",") if part.strip()]
    with scratch_database("simrenew_bench_ledger", url=args.database_url, keep=args.keep) as (url, home):
        rows = run(url, home, seconds=args.seconds, counts=counts)
    if args.results:
        args.results.write_text(json.dumps(rows))


if __name__ == "__main__":
    main()
