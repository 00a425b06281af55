"""POS top-up sales on PostgreSQL through gunicorn: throughput, latency and what each sale costs (SQL
statements, commits, web-server and PostgreSQL CPU), against the database's own ceiling for the same
statements (pgbench) in the same run.

    .venv/bin/python bench/pos_sales.py            # 4 and 16 tills, spread and on one hot float, 20 s each
    .venv/bin/python bench/pos_sales.py --quick    # a smoke run of a few seconds per phase
    .venv/bin/python bench/pos_sales.py --ledger   # and the ledger core in process (bench/ledger.py)

1. Creates a throwaway PostgreSQL cluster (or uses --database-url), migrates it and loads a brand with a
   top-up product; tills spread round-robin over --floats retailers' floats; as many tills on one
   "hot" retailer's float; 500 lines per till; and a corner shop whose float holds 25 sales.
2. Records two real sales per till in process and makes each phase's pgbench script from them
   (`pos_script`, `captured_sql`): the ceiling always runs the statements a sale sends today.
3. Starts gunicorn (`--workers 2*cores --threads 4`, as in docs/operations.md) with counting hooks
   (`gunicorn_counting`). For 4 and 16 tills, spread and hot: a warm-up, then the tills sell
   `POST /api/pos/sales` in a loop (HMAC-signed, a new Idempotency-Key each) and the benchmark reports
   sales/s, p50/p99, statements and commits per sale (counted in gunicorn), web-server and PostgreSQL
   CPU per sale (/proc: gunicorn's processes, the postmaster's); then pgbench runs the phase's script
   with as many clients, and its transactions/s, PostgreSQL CPU per transaction and the ratio follow.
4. The corner shop's tills sell until refused; then floats, guarded accounts and `ledger verify` are
   checked, and the issue's targets are printed as met or missed.

A benchmark, not a test: it prints figures and never fails on a time. It talks to 127.0.0.1 only.
"""

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

# bench/ is on the path when a benchmark runs; load_data, run_clients and percentile are also faults.py's.
from captured_sql import run_pgbench  # noqa: E402
from gunicorn_counting import create_file  # noqa: E402
from pos_data import load_data  # noqa: E402
from pos_report import Phase, Usage, invariants, machine_line, print_checks, print_table, targets  # noqa: E402
from pos_tills import drain_float, percentile, run_clients  # noqa: E402
from proc_cpu import children_of, parent_of, tree_seconds, wait_reaped  # noqa: E402
from scratch_db import scratch_database  # noqa: E402

__all__ = ["ROOT", "gunicorn_command", "load_data", "percentile", "run_clients"]
LINES_PER_TILL = 500  # enough that a till seldom sells to a line twice in a run, as in a shop
DRY_TILLS = 4  # the corner shop's tills


# --- Processes


def gunicorn_command(
    *, port: int, workers: int, threads: int = 4, log_level: str = "warning", counting: bool = False
) -> list[str]:
    """gunicorn serving simrenew on 127.0.0.1 as in production: `workers` processes of `threads` threads."""
    config = ["--config", str(ROOT / "bench" / "gunicorn_counting.py")] if counting else []
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        "simrenew.wsgi:application",
        *config,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--no-control-socket",
        "--log-level",
        log_level,
    ]


def start_gunicorn(
    *,
    url: str,
    port: int,
    workers: int,
    threads: int = 4,
    var_dir: str,
    counters: Path | None = None,
    log: Path | None = None,
) -> subprocess.Popen:
    """gunicorn started and answering; with `counters`, counting (gunicorn_counting); with `log`, its
    output goes there (the corner shop's expected refusals are logged as warnings)."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SIMRENEW_VAR": var_dir,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
        **({"BENCH_COUNTERS": str(counters)} if counters else {}),
    }
    command = gunicorn_command(port=port, workers=workers, threads=threads, counting=counters is not None)
    output = open(log, "ab") if log else None  # noqa: SIM115 - the server's, closed with the process
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True, stdout=output, stderr=output)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2)
            return server
        except requests.RequestException:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def postmaster_of(url: str) -> int:
    with psycopg.connect(url) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        return parent_of(backend)


# --- Run


def run_phase(
    phase: Phase,
    *,
    port: int,
    clients: list[dict],
    warm_up: float,
    server: int,
    postmaster: int,
    counters: Path,
    url: str,
    script: Path,
) -> Phase:
    run_clients(port=port, clients=clients, seconds=warm_up)
    before = Usage.now(server=server, postmaster=postmaster, counters=counters)
    latencies, phase.errors, phase.sales = run_clients(port=port, clients=clients, seconds=phase.seconds)
    phase.measured(before, Usage.now(server=server, postmaster=postmaster, counters=counters))
    phase.p50, phase.p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    backends = children_of(postmaster)
    db_before, pgbench_before = tree_seconds(postmaster), _children_cpu()
    phase.tps, transactions = run_pgbench(url=url, script=script, clients=phase.tills, seconds=phase.seconds)
    wait_reaped(postmaster, backends)
    phase.db_ms_per_txn = (tree_seconds(postmaster) - db_before) * 1000 / max(1, transactions)
    phase.pgbench_ms = (_children_cpu() - pgbench_before) * 1000 / max(1, transactions)
    print(
        f"  {phase.name:<16} {phase.rate:7.1f} sales/s, p50 {phase.p50:5.0f} ms, p99 {phase.p99:5.0f} ms, "
        f"{phase.errors} errors; pgbench {phase.tps:7.1f} tps; load {phase.load:.1f}",
        flush=True,
    )
    return phase


def _children_cpu() -> float:
    """CPU seconds of this process's children that ended (pgbench, once run)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_ledger(url: str, seconds: float, home: Path) -> float | None:
    """bench/ledger.py on a database of its own in the same cluster; its journals/s with 2 workers."""
    results = home / "ledger.json"
    command = [
        sys.executable,
        str(ROOT / "bench" / "ledger.py"),
        "--database-url",
        url.rsplit("/", 1)[0] + "/simrenew_bench_ledger",
    ]
    command += ["--seconds", str(seconds), "--results", str(results)]
    print("\nledger core in process (bench/ledger.py):", flush=True)
    if subprocess.run(command, cwd=ROOT, check=False).returncode != 0 or not results.exists():
        return None
    rows = json.loads(results.read_text())
    return next((row["journals_per_second"] for row in rows if row["workers"] == 2), None)


def run(args: argparse.Namespace, url: str, home: Path) -> int:
    var_dir = home / "var"
    (var_dir / "staticfiles").mkdir(parents=True)
    os.environ.update(DATABASE_URL=url, SIMRENEW_VAR=str(var_dir))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sizes = sorted(int(n) for n in args.tills.split(","))
    data = load_data(
        terminals=max(sizes),
        retailers=args.floats,
        lines_per_terminal=LINES_PER_TILL,
        hot_terminals=max(sizes),
        dry_terminals=DRY_TILLS,
    )
    print(f"machine: {machine_line(url)}")
    print(f"gunicorn {args.workers} workers x 4 threads; {args.seconds:g} s per phase after {args.warm_up:g} s warm-up")

    from django.db import connections
    from pos_script import phase_script, record

    groups = {"spread": data["clients"], "hot": data["hot_clients"]}
    recorded = {layout: record(tills) for layout, tills in groups.items()}
    scripts = {}
    for layout, tills in groups.items():
        for size in sizes:
            script = phase_script(tills[:size], [c for c in recorded[layout] if c.slot < size])
            scripts[(layout, size)] = home / f"pgbench-{layout}-{size}.sql"
            scripts[(layout, size)].write_text(script.text)
    print(f"a sale, as recorded: {script.statements} statements, {script.commits} commit(s): {script.outline}")
    for note in script.notes:
        print(f"  note: {note}")
    if args.show_script:
        print(script.text)
    connections.close_all()

    counters = home / "counters"
    create_file(counters)
    postmaster = postmaster_of(url)
    log = home / "gunicorn.log"
    server = start_gunicorn(
        url=url, port=args.port, workers=args.workers, var_dir=str(var_dir), counters=counters, log=log
    )
    phases = []
    try:
        # Every thread of every worker connects to PostgreSQL and caches its till lookups once: before
        # the phases, not in the first one.
        for tills in groups.values():
            run_clients(port=args.port, clients=tills, seconds=2 * args.warm_up)
        for size in sizes:
            for layout, tills in groups.items():
                phase = Phase(layout, size, args.floats if layout == "spread" else 1, args.seconds, os.getloadavg()[0])
                phases.append(
                    run_phase(
                        phase,
                        port=args.port,
                        clients=tills[:size],
                        warm_up=args.warm_up,
                        server=server.pid,
                        postmaster=postmaster,
                        counters=counters,
                        url=url,
                        script=scripts[(layout, size)],
                    )
                )
        statuses, per_sale = drain_float(port=args.port, clients=data["dry_clients"])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    errors = [line for line in log.read_text(errors="replace").splitlines() if " ERROR " in line or "Traceback" in line]
    if errors:
        print(f"gunicorn logged {len(errors)} errors; the first: {errors[0]}")
    print_table(phases)
    for phase in phases:
        if abs(phase.statements - script.statements) > 0.5:
            print(
                f"warning: {phase.name}: gunicorn sent {phase.statements:.1f} round trips per sale, the recorded sale"
                f" {script.statements}: pgbench's ceiling is not for the statements the app sent"
            )
    checks = invariants(statuses=statuses, per_sale=per_sale, dry_retailer=data["dry_retailer"], env=dict(os.environ))
    print_checks("invariants", checks)
    journals = run_ledger(url, args.ledger_seconds, home) if args.ledger else None
    print_checks("targets", targets(phases, checks, journals))
    return 0 if all(c.ok for c in checks) else 1


def main() -> None:
    cores = os.cpu_count() or 2
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        help="an existing server's scratch database (dropped and created again);"
        " by default a throwaway cluster, so that PostgreSQL's CPU is the benchmark's alone",
    )
    parser.add_argument("--tills", default="4,16", help="till counts, one phase each, spread and hot")
    parser.add_argument("--floats", type=int, default=4, help="retailer floats the spread tills share round-robin")
    parser.add_argument("--seconds", type=float, default=20, help="per phase, for the app and for pgbench")
    parser.add_argument("--warm-up", type=float, default=2)
    parser.add_argument("--workers", type=int, default=2 * cores, help="gunicorn workers (4 threads each)")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 s phases, 1 s warm-up")
    parser.add_argument("--ledger", action="store_true", help="also run bench/ledger.py (2, 4, 8 workers)")
    parser.add_argument("--ledger-seconds", type=float, default=10)
    parser.add_argument("--show-script", action="store_true", help="print the generated pgbench script")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory, scripts and counters")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.warm_up, args.ledger_seconds = 3, 1, 3

    from processes import free_port  # here: processes imports this module

    args.port = args.port or free_port()
    with scratch_database("simrenew_bench", url=args.database_url, keep=args.keep) as (url, home):
        status = run(args, url, home)
    sys.exit(status)


if __name__ == "__main__":
    main()
