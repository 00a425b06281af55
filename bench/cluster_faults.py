"""Paid means delivered across the cluster: the mixed load of bench/faults.py goes through HAProxy to a
cluster started by scripts/cluster.py, while whole web nodes, task workers and the leading scheduler
are killed, the replica is stopped and the primary restarts; then every invariant is checked.

    .venv/bin/python bench/cluster_faults.py                   # 20 cycles, 4 of each kind of fault
    .venv/bin/python bench/cluster_faults.py --cycles 3 --kinds web-node,leader,primary --tills 2
    .venv/bin/python bench/faults.py --cluster ...             # the same

1. Starts a cluster of its own (scripts/cluster.py start, in a temporary CLUSTER_HOME, on free ports of
   127.0.0.1): HAProxy, 2 gunicorn nodes, 2 task workers, 2 schedulers (one leads), a PostgreSQL
   primary and its streaming replica; job leases of 5 s and a scheduler tick every 5 s, so that lost
   work is redone within the run. Loads bench/faults.py's data (POS tills on two retailers' floats and
   a corner shop's small one, customers with two lines each).
2. Load (bench/shoppers.py), all through HAProxy: tills POST signed sales and retry the same
   Idempotency-Key until answered; customers renew a bundle, pay on the sandbox's checkout (its
   webhooks come back through HAProxy too), half of them closing the tab once paid. (Not top-ups: the
   top-up page allows an account 20 orders an hour, which a customer of the load reaches in a minute.)
3. Cycles: after a random pause, one fault, repaired as a supervisor or an operator would, before the
   next cycle. The kinds come round in a random order each round of five:
   - web-node: kill -9 a whole gunicorn node (master and workers); started again 2-5 s later, until
     HAProxy serves it. Recovery: the first client request served after the kill and its errors.
   - worker: kill -9 a task worker (while it runs a job, if it takes one within 3 s); started again.
     Recovery: when the job it held was done by a worker (after its lease ran out).
   - leader: kill -9 the scheduler that leads; the other must take over. Recovery: the hand-over as
     /metrics shows it (scraped through HAProxy, each process caches 10 s), and as the lease row says.
     The killed scheduler is started again and follows.
   - replica: stop the streaming replica (immediate); /readyz must say reads fall back to the primary;
     started again 2-5 s later. Recovery: from its start until /readyz says it is usable again.
   - primary: restart the PostgreSQL primary in immediate mode (a crash). Recovery: the first client
     request served after the restart and after the last error it caused.
4. Afterwards: settles (bounded), checks paid = delivered once, POS keys against the tills' own
   records, floats, jobs, webhooks, confirmations, `manage.py ledger verify`, that every process of
   the cluster runs and one scheduler leads; prints every fault and, per kind, its count, the error
   rate of client requests in its windows (from the fault to the next one) and its recovery times.

Exit status 1 when an invariant fails or a fault was not repaired in time. Talks to 127.0.0.1 only;
bounded in time (--max-minutes for the faults, then the settle time) and in count (--cycles); stops
the cluster (scripts/cluster.py stop) and removes its files at the end, also on Ctrl-C.
"""

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import requests
from fault_checks import Check, failing, job_waits, ledger_verify, print_checks, settle
from pos_sales import ROOT
from shoppers import ANSWER_WITHIN, Call, Traffic, start_shoppers

from faults import CORNER_SHOP_FLOAT, load_scenario, print_load, reconcile_wait

sys.path.insert(0, str(ROOT / "scripts"))
from cluster import free_base_port  # scripts/cluster.py: the cluster's own port layout

KINDS = ("web-node", "worker", "leader", "replica", "primary")
DESCRIBE = {
    "web-node": "kill -9 a web node",
    "worker": "kill -9 a task worker",
    "leader": "kill -9 the leading scheduler",
    "replica": "stop the replica",
    "primary": "restart the primary (immediate)",
}
RECOVERY = {
    "web-node": "first request served",
    "worker": "its job done",
    "leader": "leader elected (/metrics)",
    "replica": "replica usable again",
    "primary": "first request served",
}
REQUEST_PATH = {"web-node", "replica", "primary"}  # where clients may see errors; workers and schedulers are not
JOB_LEASE_SECONDS = 5
SCHEDULER_INTERVAL = 5
RECONCILE_AFTER_SECONDS = 10
DOWN = (2.0, 5.0)  # a killed process or a stopped replica stays down this long (a supervisor's pause)
WARM_UP = 5.0
TAIL = 5.0
PAUSE = (1.0, 4.0)  # random pause between the repair of one fault and the next fault
HUNG = 5.0  # a failed request that ran this long hung: it counts against the fault in effect when sent
WAIT = 60.0  # the longest wait for any one repair (a hand-over, a node served, the replica usable)


# --- The cluster, through scripts/cluster.py


class ClusterControl:
    """Runs scripts/cluster.py on a cluster of our own (CLUSTER_HOME, CLUSTER_PORT)."""

    def __init__(self, home: Path, port: int) -> None:
        self.home, self.port = home, port
        drop = ("DATABASE_URL", "DATABASE_REPLICA_URL", "TASKS_BACKEND", "DEMO_CLOCK", "PROMETHEUS_MULTIPROC_DIR")
        self.env = {key: value for key, value in os.environ.items() if key not in drop}
        self.env.update({"CLUSTER_HOME": str(home), "CLUSTER_PORT": str(port)})
        self.site = f"http://127.0.0.1:{port}"
        self.primary_url = f"postgres://postgres@127.0.0.1:{port + 11}/simrenew"
        self.started = False

    def __call__(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "cluster.py"), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"cluster.py {' '.join(args)}: {(done.stdout + done.stderr).strip()[-600:]}")
        return done.stdout

    def start(self, settings: dict[str, str], *, scheduler_interval: int) -> None:
        self.started = True
        extra = [f"--env={key}={value}" for key, value in settings.items()]
        self("start", "--no-demo-data", f"--scheduler-interval={scheduler_interval}", *extra, timeout=600)

    def stop(self) -> None:
        if self.started:
            self("stop", timeout=180)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads((self.home / "state.json").read_text())
        return state

    def pid(self, name: str) -> int | None:
        pid = self.state()["processes"].get(name)
        return int(pid) if pid else None

    def not_running(self) -> list[str]:
        def alive(pid: int) -> bool:
            try:
                return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
            except (OSError, IndexError):
                return False

        processes = self.state()["processes"]
        expected = ("haproxy", "web1", "web2", "provider", "worker1", "worker2", "scheduler1", "scheduler2")
        return [name for name in expected if not (processes.get(name) and alive(int(processes[name])))]


def cluster_settings() -> dict[str, str]:
    """What every process of the benchmark's cluster runs with, on top of scripts/cluster.py's own."""
    return {
        "PYTHONUNBUFFERED": "1",
        "PRODUCTION": "false",
        "EMAIL_URL": "outbox://",
        "JOBS_LEASE_SECONDS": str(JOB_LEASE_SECONDS),
        "JOBS_RETRY_BASE_SECONDS": "0.5",
        "JOBS_RETRY_MAX_SECONDS": "5",
        "PAYMENT_RECONCILE_AFTER_SECONDS": str(RECONCILE_AFTER_SECONDS),
        "LOG_LEVEL": "INFO",
    }


# --- Faults


@dataclass
class Fault:
    kind: str
    target: str = ""
    at: float = 0.0  # monotonic, just before the fault
    wall: float = 0.0
    repaired: float | None = None  # monotonic: everything back (started again and served, replica usable…)
    recovery: float | None = None  # seconds, the kind's own measure (RECOVERY); request-path kinds: computed later
    note: str = ""
    failed: str = ""  # why it was not repaired in time


def plan_faults(*, cycles: int, kinds: tuple[str, ...], rng: random.Random) -> list[str]:
    """`cycles` faults: every kind once per round, in a new random order each round."""
    plan: list[str] = []
    while len(plan) < cycles:
        round_ = list(kinds)
        rng.shuffle(round_)
        plan += round_
    return plan[:cycles]


def until(check: Callable[[], Any], *, within: float, every: float = 0.1) -> Any:
    """The first truthy result of `check`, or None after `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(every)
    return None


class Injector(threading.Thread):
    def __init__(self, *, control: ClusterControl, plan: list[str], seed: int, max_seconds: float) -> None:
        super().__init__(name="faults", daemon=True)
        self.control, self.plan, self.max_seconds = control, plan, max_seconds
        self.rng = random.Random(seed)
        self.faults: list[Fault] = []
        self.watchers: list[threading.Thread] = []
        self.abort = threading.Event()
        self.probe = requests.Session()
        token = control.state()["metrics_token"]
        self.probe_headers = {"Authorization": f"Bearer {token}"}

    # Reading the cluster

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """A query on a short connection of our own to the primary: it may be restarting."""
        try:
            with psycopg.connect(self.control.primary_url, connect_timeout=3, autocommit=True) as conn:
                return conn.execute(sql, params).fetchall()
        except psycopg.Error:
            return []

    def lease_owner(self) -> str:
        rows = self.rows(
            "SELECT lease_owner FROM renewals_jobwatermark WHERE name = '__leader__' AND lease_until >= now()"
        )
        return str(rows[0][0]) if rows else ""

    def metrics_leader(self) -> str:
        try:
            text = self.probe.get(self.control.site + "/metrics", headers=self.probe_headers, timeout=5).text
        except requests.RequestException:
            return ""
        lines = [line for line in text.splitlines() if line.startswith("simrenew_scheduler_leader{")]
        return lines[0].split('"')[1] if len(lines) == 1 else ""

    def replica_check(self) -> dict[str, Any]:
        try:
            body = self.probe.get(self.control.site + "/readyz", timeout=5).json()
        except (requests.RequestException, ValueError):
            return {}
        replica: dict[str, Any] = body.get("checks", {}).get("replica", {})
        return replica

    def healthy(self) -> bool:
        """Every process runs, the replica is usable and the shop answers through HAProxy."""
        if self.control.not_running() or not self.replica_check().get("ok"):
            return False
        return self.status("/en/") == 200

    def status(self, path: str) -> int | None:
        try:
            return self.probe.get(self.control.site + path, timeout=5).status_code
        except requests.RequestException:
            return None

    # Injecting

    def run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        if self.abort.wait(WARM_UP):
            return
        for kind in self.plan:
            if time.monotonic() > deadline:
                return
            until(self.healthy, within=WAIT, every=0.5)
            if self.abort.wait(self.rng.uniform(*PAUSE)):
                return
            fault = Fault(kind)
            self.faults.append(fault)
            try:
                getattr(self, "inject_" + kind.replace("-", "_"))(fault)
            except Exception as exc:  # a drill that went wrong is a finding, reported with the others
                fault.failed = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"

    def down_a_while(self) -> None:
        self.abort.wait(self.rng.uniform(*DOWN))

    def hit(self, fault: Fault) -> None:
        fault.at, fault.wall = time.monotonic(), time.time()

    def kill(self, fault: Fault, name: str) -> None:
        """kill -9 the process group of `name` here and now (a cluster.py call would land a Python
        start-up later), then let cluster.py record it as killed."""
        pid = self.control.pid(name)
        self.hit(fault)
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        self.control("kill", name)

    def inject_web_node(self, fault: Fault) -> None:
        fault.target = self.rng.choice(["web1", "web2"])
        self.kill(fault, fault.target)
        self.down_a_while()
        started = time.monotonic()
        self.control("revive", fault.target)  # waits until it is ready and HAProxy serves it
        fault.repaired = time.monotonic()
        fault.note = f"down {started - fault.at:.1f} s, served again {fault.repaired - started:.1f} s after its start"

    def inject_worker(self, fault: Fault) -> None:
        """Kill the worker that runs a job, when one takes a job within 3 s; else either."""
        pids = {name: pid for name in ("worker1", "worker2") if (pid := self.control.pid(name))}
        sql = "SELECT id, task_path, worker_id, attempts FROM jobs_job WHERE status = 'RUNNING'"

        def busy() -> tuple[str, Any, str, int] | None:
            for job_id, task, worker, attempts in self.rows(sql):
                name = next((n for n, pid in pids.items() if f":{pid}:" in f"{worker}:"), None)
                if name:
                    return name, job_id, str(task), int(attempts)
            return None

        held = until(busy, within=3.0, every=0.02)
        name = held[0] if held else self.rng.choice(sorted(pids) or ["worker1"])
        fault.target = name + (f" in {held[2].rsplit('.', 1)[-1]}" if held else " (idle)")
        self.kill(fault, name)
        self.down_a_while()
        self.control("revive", name)
        fault.repaired = time.monotonic()
        if held is None:
            fault.note = "held no job"
            return
        self.watch(fault, held[1], held[3])

    def watch(self, fault: Fault, job_id: Any, attempt: int) -> None:
        """When the job the killed worker held was done: by another worker once its lease ran out (a
        later attempt), or it had just ended before the kill landed (the same attempt)."""

        def poll() -> None:
            deadline = time.monotonic() + 2 * WAIT
            while time.monotonic() < deadline and not self.abort.is_set():
                rows = self.rows("SELECT status, finished_at, attempts FROM jobs_job WHERE id = %s", (job_id,))
                if rows and rows[0][0] == "SUCCESSFUL" and rows[0][2] == attempt:
                    fault.note = "its job had just ended when the kill landed: nothing to redo"
                    return
                if rows and rows[0][0] == "SUCCESSFUL":
                    fault.recovery = rows[0][1].timestamp() - fault.wall
                    fault.note = f"its job done again (attempt {rows[0][2]}, after its {JOB_LEASE_SECONDS} s lease)"
                    return
                if rows and rows[0][0] == "FAILED":
                    fault.failed = "its job was dead-lettered"
                    return
                time.sleep(0.25)
            fault.failed = fault.failed or f"its job not done within {2 * WAIT:.0f} s"

        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        self.watchers.append(watcher)

    def inject_leader(self, fault: Fault) -> None:
        owner = until(self.lease_owner, within=WAIT, every=0.5)
        if not owner:
            raise RuntimeError("no scheduler leads before the fault")
        pid = owner.rpartition(":")[2]
        name = next((n for n, p in self.control.state()["processes"].items() if str(p) == pid), "")
        if not name.startswith("scheduler"):
            raise RuntimeError(f"the leader {owner} is none of the cluster's schedulers")
        fault.target = name
        self.kill(fault, name)
        lease = until(lambda: (o := self.lease_owner()) and o != owner, within=WAIT)
        leased_at = time.monotonic()
        seen = until(lambda: (o := self.metrics_leader()) and o != owner, within=WAIT, every=0.5)
        if not seen:
            fault.failed = f"/metrics shows no new leader within {WAIT:.0f} s"
        else:
            fault.recovery = time.monotonic() - fault.at
        fault.note = f"lease taken after {leased_at - fault.at:.1f} s" if lease else "lease not taken"
        self.control("revive", name)
        fault.repaired = time.monotonic()

    def inject_replica(self, fault: Fault) -> None:
        fault.target = "replica"
        self.hit(fault)
        self.control("pg-stop", "replica")
        fallen = until(lambda: (state := self.replica_check()).get("ok") is False and state, within=15)
        if not fallen:
            fault.failed = "/readyz did not say the replica is unusable"
        else:
            fault.note = f"/readyz: replica not usable ({fallen.get('reason', '')}), reads on the primary"
        self.down_a_while()
        started = time.monotonic()
        self.control("pg-start", "replica")
        usable = until(lambda: self.replica_check().get("ok") is True, within=WAIT, every=0.2)
        if not usable:
            fault.failed = f"the replica not usable within {WAIT:.0f} s of its start"
            return
        fault.repaired = time.monotonic()
        fault.recovery = fault.repaired - started

    def inject_primary(self, fault: Fault) -> None:
        fault.target = "primary"
        self.hit(fault)
        self.control("pg-restart", "primary")
        fault.note = f"pg_ctl restart took {time.monotonic() - fault.at:.1f} s"
        served = until(lambda: self.status("/readyz") == 200, within=WAIT)
        if not served:
            fault.failed = f"/readyz not 200 within {WAIT:.0f} s of the restart"
        fault.repaired = time.monotonic()


# --- Report


def blamed(moment: float, faults: list[Fault]) -> int | None:
    return max((i for i, f in enumerate(faults) if f.at <= moment), default=None)


def windows(calls: list[Call], faults: list[Fault]) -> list[list[Call]]:
    """The client requests of each fault's window: from the fault to the next one (a request that
    failed after hanging counts against the fault in effect when it was sent)."""
    found: list[list[Call]] = [[] for _ in faults]
    for call in calls:
        moment = call.started if call.error and call.ended - call.started > HUNG else call.ended
        if (i := blamed(moment, faults)) is not None:
            found[i].append(call)
    return found


def served_again(fault: Fault, seen: list[Call], calls: list[Call]) -> float | None:
    """Seconds from the fault to the end of the first request served that was sent after it and after
    the last error in its window."""
    after = max([fault.at, *(c.ended for c in seen if c.error)])
    return next((c.ended - fault.at for c in calls if not c.error and c.started >= after), None)


def measure(traffic: Traffic, faults: list[Fault]) -> list[list[Call]]:
    calls = sorted(traffic.calls, key=lambda c: c.ended)
    seen = windows(calls, faults)
    for fault, window in zip(faults, seen, strict=True):
        if fault.kind in ("web-node", "primary") and fault.at:
            fault.recovery = served_again(fault, window, calls)
    return seen


def rate(window: list[Call]) -> str:
    errors = sum(1 for c in window if c.error)
    return f"{errors}/{len(window)} ({100 * errors / len(window):.1f} %)" if window else "no requests"


def print_faults(faults: list[Fault], seen: list[list[Call]], started: float) -> None:
    print(f"\n{'#':>3} {'at s':>6}  {'fault':<46} {'client errors in its window':<30} {'recovered':>10}  notes")
    for i, (fault, window) in enumerate(zip(faults, seen, strict=True), 1):
        what = f"{DESCRIBE[fault.kind]} ({fault.target})" if fault.target else DESCRIBE[fault.kind]
        errors = Counter(c.error for c in window if c.error)
        shown = ", ".join(f"{kind} {n}" for kind, n in errors.most_common()) or "none"
        recovered = f"{fault.recovery:.1f}s" if fault.recovery is not None else "—"
        note = f"FAILED: {fault.failed}" if fault.failed else fault.note
        print(f"{i:>3} {fault.at - started:>6.1f}  {what:<46} {shown:<30} {recovered:>10}  {note}")


def print_kinds(faults: list[Fault], seen: list[list[Call]], before: list[Call]) -> None:
    print(
        f"\n{'per kind':<34} {'count':>5}  {'client errors / requests':<26} {'recovery':<27} {'median':>7} {'max':>7}"
    )
    for kind in KINDS:
        mine = [(f, w) for f, w in zip(faults, seen, strict=True) if f.kind == kind]
        if not mine:
            continue
        window = [c for _, w in mine for c in w]
        times = [f.recovery for f, _ in mine if f.recovery is not None]
        median = f"{statistics.median(times):.1f}s" if times else "—"
        longest = f"{max(times):.1f}s" if times else "—"
        print(f"{DESCRIBE[kind]:<34} {len(mine):>5}  {rate(window):<26} {RECOVERY[kind]:<27} {median:>7} {longest:>7}")
    print(f"{'(before the first fault)':<34} {'':>5}  {rate(before):<26}")


def told_otherwise(traffic: Traffic) -> Check:
    """Sales made for a key whose till was last told something else than 201 (a refusal, or no answer):
    the customer has the credit, the till believes the sale failed."""
    from simrenew.terminals.models import IdempotentCall

    refused = {a.key: a.status for a in traffic.sales if a.status != 201}
    made = set(IdempotentCall.objects.filter(key__in=refused, status_code=201).values_list("key", flat=True))
    detail = ", ".join(f"told {refused[key]}" for key in sorted(made))
    return Check("sales made, the till told otherwise", len(made), not made, detail)


def cluster_checks(control: ClusterControl, injector: Injector) -> list[Check]:
    down = control.not_running()
    owner = injector.lease_owner()
    failed = [f for f in injector.faults if f.failed]
    return [
        Check("faults injected", len(injector.faults), len(injector.faults) == len(injector.plan)),
        Check("faults not repaired in time", len(failed), not failed, "; ".join(f.failed for f in failed[:3])),
        Check("cluster processes not running at the end", len(down), not down, " ".join(down)),
        Check("schedulers leading at the end", 1 if owner else 0, bool(owner), owner),
    ]


def unfinished_jobs(injector: Injector) -> list[str]:
    """Jobs still running or waiting, with the worker holding them and for how long (to tell a job
    stuck behind a dead worker from one that just started)."""
    rows = injector.rows(
        "SELECT task_path, status, worker_id, attempts, now() - COALESCE(started_at, run_after), last_error"
        " FROM jobs_job WHERE status IN ('RUNNING', 'READY') ORDER BY run_after LIMIT 10"
    )
    return [
        f"{task.rsplit('.', 1)[-1]} {status} by {worker or '-'} attempt {attempts}, {age.total_seconds():.1f} s"
        + (f" ({error[:80]})" if error else "")
        for task, status, worker, attempts, age, error in rows
    ] or ["none"]


# --- Main


def bench_environment(control: ClusterControl, var_dir: Path) -> dict[str, str]:
    """This process's settings: it loads the data and checks the invariants on the primary."""
    env = {key: value for key, value in control.env.items() if not key.startswith("CLUSTER_")}
    env.update(cluster_settings())
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "simrenew.settings",
            "DATABASE_URL": control.primary_url,
            "SIMRENEW_VAR": str(var_dir),
            "SITE_URL": control.site,
            "PUBLIC_URL": control.site,
            "PAYMENT_SANDBOX": "true",
        }
    )
    return env


def run(args: argparse.Namespace, control: ClusterControl, seed: int) -> bool:
    kinds = tuple(args.kinds.split(","))
    if unknown := set(kinds) - set(KINDS):
        raise SystemExit(f"unknown fault kinds: {', '.join(sorted(unknown))} (known: {', '.join(KINDS)})")
    began = time.monotonic()
    control.start(cluster_settings(), scheduler_interval=SCHEDULER_INTERVAL)
    print(f"cluster up in {time.monotonic() - began:.0f} s on {control.site} (scripts/cluster.py, {control.home})")
    env = bench_environment(control, control.home.parent / "bench-var")
    os.environ.update(env)
    scenario = load_scenario(tills=args.tills, customers=args.customers)
    print(
        f"machine: {os.cpu_count()} cores; seed {seed}; {len(scenario['tills'])} POS tills (one on a corner shop's "
        f"{CORNER_SHOP_FLOAT // 100} EUR float), {args.customers} customers; 2 web nodes x 2 workers x 4 threads "
        f"behind HAProxy, 2 task workers (lease {JOB_LEASE_SECONDS} s), 2 schedulers (tick every "
        f"{SCHEDULER_INTERVAL} s), primary + streaming replica; reconcile checks a payment after {reconcile_wait()}"
    )
    plan = plan_faults(cycles=args.cycles, kinds=kinds, rng=random.Random(seed))
    print(f"{len(plan)} cycles: " + ", ".join(f"{kind} {n}" for kind, n in Counter(plan).items()))
    traffic = Traffic(base=control.site, scenario=scenario, seed=seed, topup_share=0.0)
    injector = Injector(control=control, plan=plan, seed=seed, max_seconds=args.max_minutes * 60)
    started = time.monotonic()
    shoppers = start_shoppers(traffic)
    injector.start()
    try:
        injector.join(timeout=args.max_minutes * 60 + 2 * WAIT)
        time.sleep(TAIL)
        traffic.stop_new.set()
        stopped = time.monotonic()
        for shopper in shoppers:
            shopper.join(timeout=max(0.0, stopped + 4 * ANSWER_WITHIN - time.monotonic()))
        print_load(traffic, stopped - started)
        took, waited_for, checks = settle(traffic, within=args.settle_seconds)
        checks.append(ledger_verify(env))
        for watcher in injector.watchers:
            watcher.join(timeout=max(1.0, 2 * WAIT - (time.monotonic() - stopped)))
        checks += [told_otherwise(traffic), *cluster_checks(control, injector)]
        if failing(checks):
            print("jobs not finished: " + "; ".join(unfinished_jobs(injector)))
    finally:
        injector.abort.set()
    seen = measure(traffic, injector.faults)
    first = injector.faults[0].at if injector.faults else float("inf")
    before = [c for c in traffic.calls if c.ended < first]
    print_faults(injector.faults, seen, started)
    print_kinds(injector.faults, seen, before)
    if waited_for:
        print("\nopen when the load stopped: " + ", ".join(f"{c.what} {c.found}" for c in waited_for))
    print(
        f"settled {took:.1f} s after the load stopped"
        if took is not None
        else f"NOT settled {args.settle_seconds:.0f} s after the load stopped"
    )
    print(f"\n  {'jobs done, whole run':<34} {'count':>6}  {'p50':>6} {'p99':>6} {'max':>6}  s waited past due")
    print("\n".join(job_waits()))
    print_checks(checks)
    return took is not None and not failing(checks)


def interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def tails(home: Path, lines: int = 20) -> str:
    parts = []
    for log in sorted([*(home / "logs").glob("*.log"), *home.glob("pg-*/postgres.log")]):
        text = log.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"--- {log.relative_to(home)} (last {len(text)} lines)\n" + "\n".join(text))
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=20, help="faults, one per cycle")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--tills", type=int, default=4, help="POS tills on the two big floats (+1 corner shop)")
    parser.add_argument("--customers", type=int, default=3, help="customers paying portal orders")
    parser.add_argument("--max-minutes", type=float, default=20, help="no fault is started after this")
    parser.add_argument("--settle-seconds", type=float, default=90, help="wait at most this long after the load")
    parser.add_argument("--seed", type=int, default=None, help="random seed (fault plan, moments, customers)")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's logs")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows as it happens
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, interrupt)
    base = Path(tempfile.mkdtemp(prefix="simrenew-chaos-"))
    base.chmod(0o755)  # PostgreSQL runs as the postgres user and must reach its directories inside
    control = ClusterControl(base / "cluster", free_base_port())
    passed = False
    try:
        passed = run(args, control, seed)
        print("\nPASS: paid means delivered, across the cluster" if passed else "\nFAIL: see above")
    except KeyboardInterrupt:
        print("\ninterrupted")
    finally:
        if not passed and control.home.exists():
            print("\nlast lines of each process's log:\n" + tails(control.home))
        try:
            control.stop()
        finally:
            if args.keep:
                print(f"\nkept: {base} (cluster/logs, cluster/pg-*)")
            else:
                shutil.rmtree(base, ignore_errors=True)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
