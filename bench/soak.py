"""Load held: many POS tills and portal customers at once, for minutes, through HAProxy to a cluster
started by scripts/cluster.py; errors, latency, throughput per interval, and the memory of every web
worker and task worker over time (a leak shows as growth); with 1 and with 2 web nodes.

    .venv/bin/python bench/soak.py                                  # 200 clients, 10 minutes, 2 nodes
    .venv/bin/python bench/soak.py --clients 50 --minutes 2 --nodes 1,2   # both, one after the other

1. Starts a cluster of its own (scripts/cluster.py start in a temporary CLUSTER_HOME, free ports on
   127.0.0.1): HAProxy, 2 gunicorn nodes (2 processes x 4 threads each), 2 task workers, 2 schedulers,
   a PostgreSQL primary and its streaming replica. Loads a brand with a top-up and a bundle; POS tills
   (half of the clients by default) spread over retailers' floats, 10 tills a float; and portal
   customers with two lines each.
2. The clients are bench/shoppers.py's, each in its own thread: a till sells (signed
   `POST /api/pos/sales`, a new Idempotency-Key each, retried with the same key until answered); a
   customer logs in, renews a bundle, pays on the sandbox's checkout, and comes back to the shop or
   closes the tab (not top-ups: the top-up page allows an account 20 orders an hour). No think
   time: each sends its next request once answered, so the figures are the cluster's capacity on
   this machine, with the load generator on the same cores.
3. `--nodes 1` takes web2 out of HAProxy's rotation (`scripts/cluster.py lb-out web2`) for the run;
   `--nodes 1,2` runs the same mix for the same time with one node, then with both.
4. Every --interval seconds: requests answered per second (POS and portal), errors, p50 and p99; every
   --sample seconds, the resident memory (VmRSS from /proc) of each gunicorn worker and each task
   worker. At the end the tables, each process's growth from its first sample after the warm-up, and
   the invariants of bench/fault_checks.py (nothing lost or doubled, ledger verify).

A benchmark, not a test: it prints figures. Talks to 127.0.0.1 only; stops the cluster at the end.
"""

import argparse
import os
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cluster_faults import ClusterControl, bench_environment, cluster_settings, free_base_port, interrupt, tails
from fault_checks import failing, ledger_verify, print_checks, settle
from pos_sales import percentile
from processes import children_of
from shoppers import ANSWER_WITHIN, BUNDLE_CODE, PASSWORD, Call, Traffic, start_shoppers

from faults import new_line

TILLS_PER_FLOAT = 10
WARM_UP = 10.0  # seconds of load before memory growth is counted from


def load_soak_data(*, tills: int, customers: int) -> dict[str, Any]:
    """bench/pos_data's tills on their floats, a bundle, and customers with two linked lines each."""
    from pos_data import load_data

    data = load_data(terminals=tills, retailers=max(2, -(-tills // TILLS_PER_FLOAT)), lines_per_terminal=20)
    from django.db import transaction

    from simrenew.brands.models import Brand
    from simrenew.catalog.models import Product, ProductKind
    from simrenew.customers.models import LineLink, User
    from simrenew.kit import clock

    with transaction.atomic():
        brand = Brand.objects.get(pk=data["brand_id"])
        bundle = Product.objects.create(
            brand=brand,
            code=BUNDLE_CODE,
            kind=ProductKind.BUNDLE,
            names={"en": "Bench 15"},
            price_amount=1500,
            data_mb=8192,
            voice_minutes=300,
            validity_days=30,
        )
        accounts = []
        for c in range(customers):
            user = User.objects.create_user(
                f"customer{c}@bench.example", PASSWORD, language="en", email_verified_at=clock.now()
            )
            lines = [new_line(brand, 1000 + 2 * c + n) for n in range(2)]
            for line in lines:
                LineLink.objects.create(customer=user, line=line, linked_at=clock.now())
            accounts.append({"email": user.email, "lines": [{"id": line.pk, "msisdn": line.msisdn} for line in lines]})
    return {"tills": data["clients"], "customers": accounts, "bundle_id": bundle.pk}


# --- Memory


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class Memory:
    """VmRSS samples of each gunicorn worker (web1/pid) and task worker (worker1/pid), by time."""

    samples: list[tuple[float, dict[str, float]]] = field(default_factory=list)

    def sample(self, control: ClusterControl, at: float) -> None:
        processes = control.state()["processes"]
        found: dict[str, float] = {}
        for name in ("web1", "web2"):
            for pid in sorted(children_of(int(processes[name]))) if processes.get(name) else []:
                if (mb := rss_mb(pid)) is not None:
                    found[f"{name}/{pid}"] = mb
        for name in ("worker1", "worker2"):
            pid = processes.get(name)
            if pid and (mb := rss_mb(int(pid))) is not None:
                found[f"{name}/{pid}"] = mb
        self.samples.append((at, found))


class Sampler(threading.Thread):
    def __init__(self, control: ClusterControl, memory: Memory, every: float, started: float) -> None:
        super().__init__(name="rss", daemon=True)
        self.control, self.memory, self.every, self.started = control, memory, every, started
        self.stop = threading.Event()

    def run(self) -> None:
        while True:
            self.memory.sample(self.control, time.monotonic() - self.started)
            if self.stop.wait(self.every):
                return


# --- Report


def print_intervals(calls: list[Call], started: float, seconds: float, every: float) -> None:
    buckets: dict[int, list[Call]] = defaultdict(list)
    for call in calls:
        buckets[int((call.ended - started) // every)].append(call)
    head = (
        f"{'from s':>6} {'to s':>5}  {'POS req/s':>9} {'portal req/s':>12} {'errors':>6}  {'p50 ms':>7} {'p99 ms':>7}"
    )
    print("\n" + head)
    for index in range(int(-(-seconds // every))):
        mine = buckets.get(index, [])
        span = min(every, seconds - index * every)
        ok = [1000 * (c.ended - c.started) for c in mine if not c.error]
        pos = sum(1 for c in mine if c.client == "pos" and not c.error) / span
        portal = sum(1 for c in mine if c.client == "portal" and not c.error) / span
        p50, p99 = (percentile(ok, 0.5), percentile(ok, 0.99)) if ok else (0.0, 0.0)
        errors = sum(1 for c in mine if c.error)
        print(
            f"{index * every:>6.0f} {index * every + span:>5.0f}  {pos:>9.1f} {portal:>12.1f} {errors:>6}"
            f"  {p50:>7.0f} {p99:>7.0f}"
        )


def summary(calls: list[Call], seconds: float) -> dict[str, float]:
    ok = [1000 * (c.ended - c.started) for c in calls if not c.error]
    return {
        "requests": len(calls),
        "errors": sum(1 for c in calls if c.error),
        "per_second": len(ok) / seconds,
        "pos_per_second": sum(1 for c in calls if c.client == "pos" and not c.error) / seconds,
        "p50": percentile(ok, 0.5) if ok else 0.0,
        "p99": percentile(ok, 0.99) if ok else 0.0,
    }


def print_memory(memory: Memory) -> None:
    names = sorted({name for _, found in memory.samples for name in found})
    if not names:
        return
    print("\nresident memory (MB) of each gunicorn worker (web*/pid) and task worker (worker*/pid):")
    print(f"{'at s':>6}  " + " ".join(f"{name:>14}" for name in names))
    for at, found in memory.samples:
        print(f"{at:>6.0f}  " + " ".join(f"{found[n]:>14.1f}" if n in found else f"{'-':>14}" for n in names))
    print("growth from the first sample after the warm-up to the last:")
    for name in names:
        seen = [(at, found[name]) for at, found in memory.samples if name in found and at >= WARM_UP]
        if len(seen) >= 2:
            (first_at, first), (last_at, last) = seen[0], seen[-1]
            print(
                f"  {name:<16} {first:>7.1f} -> {last:>7.1f} MB ({last - first:+.1f} MB in {last_at - first_at:.0f} s)"
            )


# --- Main


def run_phase(
    *, control: ClusterControl, scenario: dict[str, Any], nodes: int, seconds: float, args: argparse.Namespace
) -> tuple[Traffic, dict[str, float]]:
    control("lb-in" if nodes == 2 else "lb-out", "web2")
    traffic = Traffic(base=control.site, scenario=scenario, seed=args.seed, topup_share=0.0)
    memory = Memory()
    started = time.monotonic()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    sampler = Sampler(control, memory, args.sample, started)
    sampler.start()
    shoppers = start_shoppers(traffic)
    time.sleep(seconds)
    traffic.stop_new.set()
    sampler.stop.set()
    for shopper in shoppers:
        shopper.join(timeout=ANSWER_WITHIN)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    calls = [c for c in traffic.calls if c.ended - started <= seconds]
    figures = summary(calls, seconds)
    figures["client_cpu"] = cpu / seconds
    print(f"\n== {nodes} web node{'s' if nodes > 1 else ''}: {args.clients} clients for {seconds:.0f} s")
    print_intervals(calls, started, seconds, args.interval)
    print(
        f"total: {figures['requests']:.0f} requests, {figures['errors']:.0f} errors, "
        f"{figures['per_second']:.1f} answered/s ({figures['pos_per_second']:.1f} POS sales/s), "
        f"p50 {figures['p50']:.0f} ms, p99 {figures['p99']:.0f} ms; the load generator used "
        f"{figures['client_cpu']:.2f} of the {os.cpu_count()} cores"
    )
    kinds = Counter(c.error for c in calls if c.error)
    if kinds:
        print("errors: " + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()))
    print_memory(memory)
    return traffic, figures


def run(args: argparse.Namespace, control: ClusterControl) -> bool:
    phases = [int(n) for n in args.nodes.split(",")]
    if not phases or any(n not in (1, 2) for n in phases):
        raise SystemExit("--nodes takes 1, 2 or 1,2")
    tills = max(1, round(args.clients * args.pos_share))
    customers = max(0, args.clients - tills)
    began = time.monotonic()
    control.start(cluster_settings(), scheduler_interval=60)
    print(f"cluster up in {time.monotonic() - began:.0f} s on {control.site}")
    env = bench_environment(control, control.home.parent / "bench-var")
    os.environ.update(env)
    scenario = load_soak_data(tills=tills, customers=customers)
    print(
        f"machine: {os.cpu_count()} cores, shared with the load generator; {tills} POS tills on "
        f"{max(2, -(-tills // TILLS_PER_FLOAT))} floats and {customers} portal customers, no think time; "
        f"each web node 2 processes x 4 threads; 2 task workers; PostgreSQL primary + replica"
    )
    seconds = args.minutes * 60
    runs = [run_phase(control=control, scenario=scenario, nodes=n, seconds=seconds, args=args) for n in phases]
    if len(runs) > 1:
        print(f"\n{'web nodes':>9} {'answered/s':>11} {'POS sales/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7}")
        for nodes, (_, f) in zip(phases, runs, strict=True):
            print(
                f"{nodes:>9} {f['per_second']:>11.1f} {f['pos_per_second']:>12.1f} {f['p50']:>7.0f} "
                f"{f['p99']:>7.0f} {f['errors']:>7.0f}"
            )
    merged = Traffic(base=control.site, scenario=scenario, seed=args.seed)
    for traffic, _ in runs:
        merged.calls += traffic.calls
        merged.sales += traffic.sales
        merged.orders += traffic.orders
    took, _, checks = settle(merged, within=args.settle_seconds)
    checks.append(ledger_verify(env))
    print_checks(checks)
    print(f"settled {took:.1f} s after the load" if took is not None else "NOT settled")
    return took is not None and not failing(checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients, POS tills and customers")
    parser.add_argument("--pos-share", type=float, default=0.5, help="the share of the clients that are tills")
    parser.add_argument("--minutes", type=float, default=10, help="load time per phase")
    parser.add_argument("--nodes", default="2", help="web nodes behind HAProxy: 1, 2, or 1,2 for both in turn")
    parser.add_argument("--interval", type=float, default=30, help="seconds per row of the throughput table")
    parser.add_argument("--sample", type=float, default=30, help="seconds between memory samples")
    parser.add_argument("--settle-seconds", type=float, default=120, help="wait at most this long after the load")
    parser.add_argument("--seed", type=int, default=1, help="random seed (the customers' choices)")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's logs")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows as it happens
    if not 1 <= args.clients <= 1000 or not 0 < args.minutes <= 120 or not 0 <= args.pos_share <= 1:
        raise SystemExit("--clients 1..1000, --minutes up to 120, --pos-share 0..1")
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, interrupt)
    base = Path(tempfile.mkdtemp(prefix="simrenew-soak-"))
    base.chmod(0o755)  # PostgreSQL runs as the postgres user and must reach its directories inside
    control = ClusterControl(base / "cluster", free_base_port())
    passed = False
    try:
        passed = run(args, control)
        print("\nPASS: nothing lost under load" if passed else "\nFAIL: see above")
    except KeyboardInterrupt:
        print("\ninterrupted")
    finally:
        if not passed and control.home.exists():
            print("\nlast lines of each process's log:\n" + tails(control.home))
        try:
            control.stop()
        finally:
            if args.keep:
                print(f"\nkept: {base}")
            else:
                shutil.rmtree(base, ignore_errors=True)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
