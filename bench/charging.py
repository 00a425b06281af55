"""Charging decisions on PostgreSQL through gunicorn: decisions/s, latency and what each decision costs
(SQL round trips, commits, web-server and PostgreSQL CPU), against the database's own ceiling for the
same statements (pgbench) in the same run.

    .venv/bin/python bench/charging.py            # 4 and 16 sessions, spread and on one line, 15 s each
    .venv/bin/python bench/charging.py --quick    # a smoke run of a few seconds per phase
    .venv/bin/python bench/charging.py --in-process --profile 30   # CPU and round trips per decision, no server

1. Creates a throwaway PostgreSQL cluster (or uses --database-url), migrates it and loads a brand with
   out-of-bundle rates, a network client, a block of lines with credit per client, and one hot line.
2. Records two real sessions per client slot in process (create, --updates updates, release: a MB
   used and a MB asked for each time, charged to credit) and makes each phase's pgbench script from
   them (`charging_script`, `captured_sql`): a pgbench transaction is a whole session of today's
   statements.
3. Starts gunicorn as docs/operations.md runs the charging API (`--workers <cores> --threads 1`; the
   charging API's lean middleware chain, simrenew.handlers) with counting hooks
   (`gunicorn_counting`). For each session count, spread (every client on its own lines) and hot
   (every client on one line): a warm-up, then each client runs sessions over the Nchf API
   (HMAC-signed) and the benchmark reports decisions/s, p50/p99 (and the p99 inside gunicorn's
   threads), round trips and commits per decision (counted in gunicorn), web-server and PostgreSQL
   CPU per decision (/proc); then pgbench runs the phase's script with as many clients, and its
   ceiling in decisions/s and the ratio follow.
4. Paced phases: the largest session count again, spread and hot: first flat out for a few seconds
   (`--peak-again`: the machine's speed drifts), then each client sending on a schedule so that
   together they ask for 80 % of that rate; latency counts from when a request was due. Before each
   phase the database is vacuumed and analysed (as pgbench does before a run).
5. Checks that no guarded account went below zero, that the credit spent is what usage rows charged,
   that released sessions hold nothing, and `ledger verify`; prints the issue's targets as met or
   missed.

--in-process (`charging_inprocess`): no server and no pgbench; the same sessions through Django's test
client in this process, CPU (time.process_time), wall time and round trips per create, update and
release; --profile N adds a cProfile of the same sessions (the N costliest functions, by own time and
cumulative).

A benchmark, not a test: it prints figures and never fails on a time. It talks to 127.0.0.1 only.
"""

import argparse
import os
import resource
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from captured_sql import Maintenance, run_pgbench, vacuum_analyze  # noqa: E402
from charging_load import HOT_CREDIT, LINE_CREDIT, Outcome, load_data, run_clients  # noqa: E402
from charging_report import PACED_SHARE, Phase, invariants, print_table, targets  # noqa: E402
from gunicorn_counting import create_file  # noqa: E402
from pos_report import Usage, machine_line, print_checks  # noqa: E402
from pos_sales import postmaster_of, start_gunicorn  # noqa: E402
from pos_tills import percentile  # noqa: E402
from proc_cpu import children_of, tree_seconds, wait_reaped  # noqa: E402
from scratch_db import scratch_database  # noqa: E402


def run_phase(phase: Phase, *, clients: list[dict], args: argparse.Namespace, env: dict, script: Path | None) -> Phase:
    """The app's phase, then (with a script) pgbench's ceiling for the same statements."""
    port, counters, server, postmaster = env["port"], env["counters"], env["server"], env["postmaster"]
    vacuum_analyze(env["url"])
    run_clients(port=port, clients=clients, seconds=args.warm_up, updates=args.updates, rate=phase.paced)
    before, maintenance = (
        Usage.now(server=server, postmaster=postmaster, counters=counters),
        Maintenance.read(env["url"]),
    )
    outcome: Outcome = run_clients(
        port=port, clients=clients, seconds=phase.seconds, updates=args.updates, rate=phase.paced
    )
    phase.measured(before, Usage.now(server=server, postmaster=postmaster, counters=counters))
    phase.maintenance = Maintenance.read(env["url"]) - maintenance
    phase.decisions, phase.errors, phase.elapsed = outcome.decisions, outcome.errors, outcome.elapsed
    phase.p50, phase.p99 = percentile(outcome.latencies, 0.5) * 1000, percentile(outcome.latencies, 0.99) * 1000
    phase.sent_p99, phase.late_p99 = percentile(outcome.from_send, 0.99) * 1000, percentile(outcome.late, 0.99) * 1000
    if script is not None:
        vacuum_analyze(env["url"])
        backends = children_of(postmaster)
        db_before, pgbench_before = tree_seconds(postmaster), _children_cpu()
        phase.tps, sessions = run_pgbench(url=env["url"], script=script, clients=phase.sessions, seconds=phase.seconds)
        wait_reaped(postmaster, backends)
        phase.per_session = args.updates + 2
        done = max(1, sessions * phase.per_session)
        phase.db_ms_per_decision = (tree_seconds(postmaster) - db_before) * 1000 / done
        phase.pgbench_ms = (_children_cpu() - pgbench_before) * 1000 / done
    ceiling = f"; pgbench {phase.ceiling:7.1f} decisions/s" if phase.tps else ""
    asked = f" ({phase.paced:.0f}/s asked)" if phase.paced else ""
    print(
        f"  {phase.name:<15} {phase.rate:7.1f} decisions/s{asked}, p50 {phase.p50:5.1f} ms, p99 {phase.p99:5.1f} ms,"
        f" {phase.errors} errors{ceiling}; load {phase.load:.1f}",
        flush=True,
    )
    if phase.paced:
        print(
            f"  {'':<15} p99 from the send {phase.sent_p99:5.1f} ms; sends late by up to {phase.late_p99:5.1f} ms"
            " (p99: the client still waiting for its last answer, or for a core)",
            flush=True,
        )
        print(
            f"  {'':<15} garbage collection in the workers: {phase.gc_full} full, {phase.gc_long} pauses of 5 ms"
            f" or more, the longest {phase.gc_longest}; {phase.maintenance}",
            flush=True,
        )
    return phase


def _children_cpu() -> float:
    """CPU seconds of this process's children that ended (pgbench, once run)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(args: argparse.Namespace, url: str, home: Path) -> int:
    var_dir = home / "var"
    (var_dir / "staticfiles").mkdir(parents=True)
    os.environ.update(DATABASE_URL=url, SIMRENEW_VAR=str(var_dir))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sizes = sorted(int(n) for n in args.sessions.split(","))
    data = load_data(clients=max(sizes), lines_per_client=args.lines)
    print(f"machine: {machine_line(url)}")
    if args.in_process or args.profile:
        from charging_inprocess import in_process

        in_process(data["spread"], sessions=args.in_process_sessions, updates=args.updates, profile=args.profile)
        return 0
    print(
        f"gunicorn {args.workers} workers x {args.threads} threads; {args.seconds:g} s per phase"
        f" after {args.warm_up:g} s warm-up;"
        f" a session: create, {args.updates} updates, release (a MB used and a MB asked for each, from credit)"
    )

    from charging_script import phase_script, record
    from django.db import connections

    groups = {"spread": data["spread"], "hot": data["hot"]}
    scripts: dict[tuple[str, int], Path] = {}
    for layout, slots in groups.items():
        recorded = record(slots, args.updates)
        for size in sizes:
            script = phase_script(slots[:size], [c for c in recorded if c.slot < size])
            scripts[(layout, size)] = home / f"pgbench-{layout}-{size}.sql"
            scripts[(layout, size)].write_text(script.text)
    decisions = args.updates + 2
    print(
        f"a session, as recorded: {script.statements} round trips, {script.commits} commits for {decisions} decisions"
        f" ({script.statements / decisions:.1f} per decision)"
    )
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
        url=url,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        var_dir=str(var_dir),
        counters=counters,
        log=log,
    )
    env = {"port": args.port, "counters": counters, "server": server.pid, "postmaster": postmaster, "url": url}
    phases: list[Phase] = []
    try:
        # Every thread of every worker connects and warms its caches before the phases, not in the first.
        for slots in groups.values():
            run_clients(port=args.port, clients=slots, seconds=2 * args.warm_up, updates=args.updates)
        for size in sizes:
            for layout, slots in groups.items():
                phase = Phase(layout, size, args.seconds, os.getloadavg()[0])
                phases.append(
                    run_phase(phase, clients=slots[:size], args=args, env=env, script=scripts[(layout, size)])
                )
        for layout, slots in groups.items():
            # The peak again, just before: this machine's speed drifts by a third within minutes, and 80 %
            # of a rate it gave four minutes ago can be more than it serves now.
            size = max(sizes)
            vacuum_analyze(url)  # the peak on a vacuumed database (run_phase vacuums again: this run grew it)
            again = run_clients(port=args.port, clients=slots[:size], seconds=args.peak_again, updates=args.updates)
            peak = again.rate
            earlier = max(p.rate for p in phases if p.layout == layout)
            print(f"  {layout} {size}: {peak:.1f} decisions/s flat out just before pacing (earlier: {earlier:.1f})")
            phase = Phase(layout, size, args.seconds, os.getloadavg()[0], paced=PACED_SHARE * peak)
            phases.append(run_phase(phase, clients=slots[:size], args=args, env=env, script=None))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    errors = [line for line in log.read_text(errors="replace").splitlines() if " ERROR " in line or "Traceback" in line]
    if errors:
        print(f"gunicorn logged {len(errors)} errors; the first: {errors[0]}")
    print_table(phases)
    for phase in phases:
        if abs(phase.statements - script.statements / decisions) > 0.5:
            print(
                f"warning: {phase.name}: gunicorn sent {phase.statements:.1f} round trips per decision, the"
                f" recorded session {script.statements / decisions:.1f}: pgbench's ceiling is not for what the app"
                " sent"
            )
    checks = invariants(env=dict(os.environ), line_credit=LINE_CREDIT, hot_credit=HOT_CREDIT, hot_line=data["hot_line"])
    print_checks("invariants", checks)
    print_checks("targets", targets(phases))
    return 0 if all(c.ok for c in checks) else 1


def main() -> None:
    cores = os.cpu_count() or 2
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        help="an existing server's scratch database (dropped and created again);"
        " by default a throwaway cluster, so that PostgreSQL's CPU is the benchmark's alone",
    )
    parser.add_argument("--sessions", default="4,16", help="concurrent session counts, one phase each, spread and hot")
    parser.add_argument("--lines", type=int, default=200, help="lines per client in the spread phases")
    parser.add_argument("--updates", type=int, default=4, help="updates per session, between create and release")
    parser.add_argument("--seconds", type=float, default=15, help="per phase, for the app and for pgbench")
    parser.add_argument("--warm-up", type=float, default=2)
    parser.add_argument(
        "--peak-again",
        type=float,
        default=5,
        help="seconds flat out just before each paced phase: its schedule is 80%% of that rate",
    )
    parser.add_argument("--workers", type=int, default=cores, help="gunicorn workers (processes)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (1, as docs/operations.md runs the charging API: threads of one"
        " process take turns on its interpreter, and a decision that waits for its turn holds its line's lock)",
    )
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 s phases, 1 s warm-up")
    parser.add_argument("--show-script", action="store_true", help="print the generated pgbench script")
    parser.add_argument(
        "--in-process", action="store_true", help="CPU and round trips per decision in this process, no server"
    )
    parser.add_argument("--in-process-sessions", type=int, default=200, help="sessions measured by --in-process")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="with --in-process: cProfile, the N costliest functions"
    )
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory, scripts and counters")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.warm_up, args.peak_again = 3, 1, 2

    from processes import free_port  # here: processes imports pos_sales

    args.port = args.port or free_port()
    with scratch_database("simrenew_bench_charging", url=args.database_url, keep=args.keep) as (url, home):
        status = run(args, url, home)
    sys.exit(status)


if __name__ == "__main__":
    main()
