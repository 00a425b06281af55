"""Paid means delivered, under faults: POS sales and paid portal orders while the web server, the job
workers and the scheduler are killed at random and PostgreSQL restarts; then every invariant is checked.

    .venv/bin/python bench/faults.py                          # 20 kills, 2 database restarts, 150 s of load
    .venv/bin/python bench/faults.py --kills 6 --db-restarts 1 --seconds 60 --keep
    .venv/bin/python bench/faults.py --cluster --cycles 20    # across a cluster: bench/cluster_faults.py

1. Creates a throwaway PostgreSQL cluster in a temporary directory (initdb and pg_ctl run as the
   `postgres` user when we are root), migrates it and loads a brand with a bundle and a top-up, POS
   tills on two retailers' floats and one corner shop whose float runs dry during the run, and
   customers with two linked lines each.
2. Starts gunicorn, two job workers (`manage.py worker`) and the scheduler (`manage.py scheduler`)
   under a small supervisor that starts again, a second later, any process that dies.
3. Load (bench/shoppers.py): tills POST signed `/api/pos/sales`, retrying the same Idempotency-Key
   after an error until they get an answer; customers log in, renew or top up, pay on the sandbox's
   checkout, and half of them close the tab instead of returning to the shop (delivery then rests on
   the webhook and the reconcile sweep).
4. Faults at random moments: SIGKILL the gunicorn master or one of its workers, a job worker (while
   it runs a job, when it takes one within 3 s) or the scheduler, and restart PostgreSQL (`pg_ctl
   restart -m fast`, then `-m immediate`). For a fault on a request's path (gunicorn, PostgreSQL): the
   errors clients saw until the next such fault and how long until they were served again; for a job
   worker: how long until the job it held was done; for the scheduler: until it ran again.
5. After the load: waits (bounded) until the system settles, then checks (bench/fault_checks.py) paid
   = delivered once, POS keys, floats, jobs, webhooks, confirmations and `manage.py ledger verify`, and
   prints how long jobs waited past their time.

Exit status 1 when an invariant fails (the processes' log tails are printed; --keep keeps the logs and
the cluster's files). Sends traffic to 127.0.0.1 only; stops every process it started and removes the
cluster at the end, also on Ctrl-C.
"""

import argparse
import contextlib
import os
import random
import shutil
import signal
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
from fault_checks import failing, job_waits, ledger_verify, print_checks, settle
from pos_sales import gunicorn_command, load_data
from processes import Cluster, Supervisor, children_of, free_port
from shoppers import ANSWER_WITHIN, BUNDLE_CODE, PASSWORD, Traffic, start_shoppers

LEASE_SECONDS = 5
SCHEDULER_INTERVAL = 5
RECONCILE_AFTER_SECONDS = 10
RESTART_DELAY = 1.0  # the supervisor's pause before starting a dead process again
WARM_UP = 8.0  # load before the first fault
TAIL = 10.0  # load after the last fault
WATCH_SECONDS = 120  # how long the lost work of a killed job worker or scheduler is watched for
HUNG = 5.0  # a failed request that ran this long hung: it counts against the fault in effect when sent
CORNER_SHOP_FLOAT = 400_00  # about 30 sales: then its till is refused (409), the float never goes below zero
KILLS = ("web", "web-worker", "job-worker", "scheduler")
# Faults clients can see: job workers and the scheduler are not on the path of a request.
REQUEST_PATH = {"web", "web-worker", "db-fast", "db-immediate"}
DESCRIBE = {
    "web": "kill -9 gunicorn master",
    "web-worker": "kill -9 a gunicorn worker",
    "job-worker": "kill -9 job",
    "scheduler": "kill -9 scheduler",
    "db-fast": "pg_ctl restart -m fast",
    "db-immediate": "pg_ctl restart -m immediate",
}


# --- Data


def new_line(brand: Any, index: int) -> Any:
    """A line of the bench brand, numbered apart from pos_sales' (+32470…): +32471…."""
    from simrenew.kit import clock
    from simrenew.kit.phone import luhn_check_digit
    from simrenew.ledger import service as ledger
    from simrenew.ledger.models import AccountKind
    from simrenew.lines.models import Line

    payload = f"893298{index:012d}"
    line = Line.objects.create(
        msisdn=f"+32471{index:06d}", iccid=payload + luhn_check_digit(payload), brand=brand, activated_at=clock.now()
    )
    ledger.account(line.credit_account_code, AccountKind.LINE_CREDIT)
    return line


def load_scenario(*, tills: int, customers: int) -> dict[str, Any]:
    """pos_sales' data (brand, top-up, two retailers, tills and their lines), plus a bundle, a corner
    shop with a small float and one till, and customers with two linked lines each."""
    data = load_data(terminals=tills, retailers=2, lines_per_terminal=20)
    from django.db import transaction

    from simrenew.brands.models import Brand
    from simrenew.catalog.models import Product, ProductKind
    from simrenew.customers.models import LineLink, User
    from simrenew.kit import clock
    from simrenew.retail import service as retail
    from simrenew.retail.models import CommissionRate, Outlet, OutletTerminal, Retailer, RetailerKind
    from simrenew.terminals import service as terminal_service
    from simrenew.terminals.models import TerminalKind

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
        corner = Retailer.objects.create(name="Bench corner shop", kind=RetailerKind.INDEPENDENT)
        CommissionRate.objects.create(retailer=corner, brand=brand, rate_bp=300)
        retail.top_up_float(retailer=corner, amount=CORNER_SHOP_FLOAT, reference="bench")
        terminal, secret = terminal_service.register_terminal(kind=TerminalKind.POS, name="bench corner till")
        OutletTerminal.objects.create(terminal=terminal, outlet=Outlet.objects.create(retailer=corner, name="Corner"))
        numbers = [new_line(brand, n).msisdn for n in range(20)]
        accounts = []
        for c in range(customers):
            user = User.objects.create_user(
                f"customer{c}@bench.example", PASSWORD, language="en", email_verified_at=clock.now()
            )
            lines = [new_line(brand, 1000 + 2 * c + n) for n in range(2)]
            for line in lines:
                LineLink.objects.create(customer=user, line=line, linked_at=clock.now())
            accounts.append({"email": user.email, "lines": [{"id": line.pk, "msisdn": line.msisdn} for line in lines]})
    corner_till = {"key_id": terminal.key_id, "secret": secret, "numbers": numbers}
    return {"tills": [*data["clients"], corner_till], "customers": accounts, "bundle_id": bundle.pk}


def reconcile_wait() -> str:
    """How long a payment is left to its webhook before the reconcile sweep asks, as the settings say."""
    from django.conf import settings

    try:
        from simrenew.payments import checks
    except ImportError:
        return "unknown"
    wait = f"{checks.shortest_wait().total_seconds():.0f} s"
    if not hasattr(settings, "PAYMENT_RECONCILE_AFTER_SECONDS"):
        wait += " (PAYMENT_RECONCILE_AFTER_SECONDS is not read by the settings: the default applies)"
    return wait


# --- Faults


@dataclass
class Fault:
    kind: str
    at: float = 0.0  # monotonic
    wall: float = 0.0
    target: str = ""
    lost_work: str = "—"  # job worker: when the job it held was done; scheduler: when it ran again


def plan_faults(*, kills: int, db_restarts: int, rng: random.Random) -> list[str]:
    """`kills` kills spread evenly over the four kinds in random order, and database restarts (fast,
    then immediate, alternating) at random places but never first."""
    plan = [KILLS[i % len(KILLS)] for i in range(kills)]
    rng.shuffle(plan)
    for i in range(db_restarts):
        plan.insert(rng.randint(1, len(plan)), "db-fast" if i % 2 == 0 else "db-immediate")
    return plan


class Injector(threading.Thread):
    """Injects the planned faults one by one, spread over the load time, each once the system is
    healthy again (every process running, the shop answering)."""

    def __init__(self, *, traffic: Traffic, supervisor: Supervisor, cluster: Cluster, url: str, plan: list[str]):
        super().__init__(name="faults", daemon=True)
        self.traffic, self.supervisor, self.cluster, self.url, self.plan = traffic, supervisor, cluster, url, plan
        self.rng = random.Random(traffic.seed)
        self.seconds = 0.0
        self.faults: list[Fault] = []
        self.watchers: list[threading.Thread] = []
        self.abort = threading.Event()  # no more faults
        self.stopped = threading.Event()  # no more watching either (interrupted, or the end)
        self.probe = requests.Session()

    def rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """A query on a short connection of our own: the database may be restarting."""
        try:
            with psycopg.connect(self.url, connect_timeout=3, autocommit=True) as conn:
                return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
        except psycopg.Error:
            return []

    def healthy(self, within: float) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline and not self.abort.is_set():
            if self.supervisor.all_running():
                try:
                    if self.probe.get(self.traffic.base + "/en/", timeout=3).status_code == 200:
                        return True
                except requests.RequestException:
                    pass
            time.sleep(0.3)
        return False

    def run(self) -> None:
        started = time.monotonic()
        if self.abort.wait(WARM_UP):
            return
        for i, kind in enumerate(self.plan):
            self.healthy(within=60)
            left = started + self.seconds - TAIL - time.monotonic()
            gap = max(1.0, left / (len(self.plan) - i) * self.rng.uniform(0.5, 1.5))
            if self.abort.wait(gap):
                return
            fault = Fault(kind)
            self.inject(fault)
            self.faults.append(fault)

    def inject(self, fault: Fault) -> None:
        if fault.kind.startswith("db-"):
            fault.at, fault.wall = time.monotonic(), time.time()
            try:
                self.cluster.restart(fault.kind.removeprefix("db-"))
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                fault.target = f"failed: {str(exc).splitlines()[0]}"
                return
            fault.target = f"down {time.monotonic() - fault.at:.1f} s"
            return
        name = {"web": "web", "web-worker": "web", "scheduler": "scheduler"}.get(fault.kind)
        name = name or self.rng.choice(["worker-1", "worker-2"])
        pid = self.running(name, within=30)
        target = pid
        held: list[tuple[Any, ...]] = []
        if pid is not None and fault.kind == "web-worker":
            if workers := children_of(pid):
                pid = self.rng.choice(workers)
            else:
                fault.kind = "web"  # the master has no worker yet: kill the master
        elif pid is not None and fault.kind == "job-worker":
            held = self.job_of(pid, within=3.0)
        fault.at, fault.wall = time.monotonic(), time.time()
        if pid is None:
            fault.target = f"{name} not running"
            return
        starts = self.supervisor.starts[name]
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if pid == target:  # the supervisor's own process: wait until it has seen it die
            deadline = time.monotonic() + 5
            while self.supervisor.pid(name) == pid and time.monotonic() < deadline:
                time.sleep(0.05)
        fault.target = name + (f" in {held[0][1].rsplit('.', 1)[-1]}" if held else "")
        if held:
            self.watch(fault, lambda: self.job_redone(fault, held[0][0]))
        elif fault.kind == "scheduler":
            self.watch(fault, lambda: self.running_again(fault, name, starts))
        elif fault.kind == "job-worker":
            fault.lost_work = "none (idle)"

    def running(self, name: str, *, within: float) -> int | None:
        """The pid of the process `name`, waiting up to `within` seconds for it to be started again."""
        deadline = time.monotonic() + within
        while (pid := self.supervisor.pid(name)) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        return pid

    def job_of(self, pid: int, *, within: float) -> list[tuple[Any, ...]]:
        """The job this worker runs, waiting up to `within` seconds for it to take one."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            sql = "SELECT id, task_path FROM jobs_job WHERE status = 'RUNNING' AND worker_id LIKE %s"
            if held := self.rows(sql, (f"%:{pid}:%",)):
                return held
            time.sleep(0.02)
        return []

    def watch(self, fault: Fault, check: Callable[[], str | None]) -> None:
        def poll() -> None:
            deadline = time.monotonic() + WATCH_SECONDS
            while time.monotonic() < deadline:
                if (found := check()) is not None:
                    fault.lost_work = found
                    return
                if self.stopped.wait(0.25):
                    fault.lost_work = "unknown (interrupted)"
                    return
            fault.lost_work = f"not within {WATCH_SECONDS} s"

        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        self.watchers.append(watcher)

    def job_redone(self, fault: Fault, job_id: Any) -> str | None:
        """When the job the killed worker held was done (by another worker, once its lease ran out)."""
        rows = self.rows("SELECT status, finished_at FROM jobs_job WHERE id = %s", (job_id,))
        if rows and rows[0][0] == "SUCCESSFUL":
            done = rows[0][1].timestamp() - fault.wall
            return "none: its job ended just before the kill" if done <= 0 else f"its job done after {done:.1f} s"
        return "its job dead-lettered" if rows and rows[0][0] == "FAILED" else None

    def running_again(self, fault: Fault, name: str, start: int) -> str | None:
        """When the process was started again and wrote its first line (Django loaded, command begun)."""
        if self.supervisor.starts[name] <= start:
            return None
        last_start = (self.supervisor.logs / f"{name}.log").read_text(errors="replace").rsplit("\n--- ", 1)[-1]
        if len(last_start.strip().splitlines()) < 2:
            return None
        return f"running again after {time.monotonic() - fault.at:.1f} s"


def run_load(*, traffic: Traffic, injector: Injector, seconds: float) -> float:
    """Shoppers and faults until the load time is over and every fault was injected (TAIL seconds
    after the last); then each shopper finishes what it does. Returns when the load stopped."""
    injector.seconds = seconds
    started = time.monotonic()
    shoppers = start_shoppers(traffic)
    injector.start()
    injector.join(timeout=4 * seconds + 60 * len(injector.plan))
    last = injector.faults[-1].at if injector.faults else started
    time.sleep(max(0.0, started + seconds - time.monotonic(), last + TAIL - time.monotonic()))
    traffic.stop_new.set()
    stopped = time.monotonic()
    finish_by = stopped + 4 * ANSWER_WITHIN  # a payment has three steps of ANSWER_WITHIN at most
    for shopper in shoppers:
        shopper.join(timeout=max(0.0, finish_by - time.monotonic()))
    return stopped


# --- Report


def blamed_fault(moment: float, faults: list[Fault]) -> int | None:
    """The last fault on the request path before `moment`."""
    return max((i for i, f in enumerate(faults) if f.kind in REQUEST_PATH and f.at <= moment), default=None)


def windows(traffic: Traffic, faults: list[Fault]) -> list[tuple[Counter[str], float | None] | None]:
    """Per fault on the request path: the client errors it caused (seen before the next such fault,
    or sent before it for a request that hung), and when clients were served again: the end of the
    first successful request sent after the fault and after the last of those errors. None for the
    other faults (a job worker, the scheduler)."""
    calls = sorted(traffic.calls, key=lambda c: c.ended)
    errors: list[list[Any]] = [[] for _ in faults]
    for call in calls:
        moment = call.started if call.ended - call.started > HUNG else call.ended
        if call.error and (i := blamed_fault(moment, faults)) is not None:
            errors[i].append(call)
    result: list[tuple[Counter[str], float | None] | None] = []
    for fault, seen in zip(faults, errors, strict=True):
        if fault.kind not in REQUEST_PATH:
            result.append(None)
            continue
        after = max([fault.at, *(c.ended for c in seen)])
        served = next((c.ended for c in calls if not c.error and c.started >= after), None)
        result.append((Counter(c.error for c in seen), served - fault.at if served is not None else None))
    return result


def print_faults(traffic: Traffic, faults: list[Fault], started: float) -> None:
    print(f"\n{'#':>3} {'at s':>6}  {'fault':<48} {'client errors it caused':<32} {'served':>12}  lost work")
    for i, (fault, window) in enumerate(zip(faults, windows(traffic, faults), strict=True), 1):
        what = f"{DESCRIBE[fault.kind]} ({fault.target})" if fault.target else DESCRIBE[fault.kind]
        seen, again = "not on a request's path", "—"
        if window is not None:
            errors, served = window
            seen = ", ".join(f"{kind} {n}" for kind, n in errors.most_common()) or "none"
            again = f"{served:.1f}s" if served is not None else "no more load"
        print(f"{i:>3} {fault.at - started:>6.1f}  {what:<48} {seen:<32} {again:>12}  {fault.lost_work}")
    before = [c for c in traffic.calls if c.error and (not faults or c.ended < faults[0].at)]
    print(f"    before the first fault: {len(before)} client errors")


def print_load(traffic: Traffic, length: float) -> None:
    statuses = Counter(a.status for a in traffic.sales)
    retried = [a for a in traffic.sales if a.status == 201 and a.attempts > 1]
    refused = ", ".join(f"{n} answered {s}" for s, n in statuses.items() if s not in (201, None))
    print(
        f"\nPOS: {statuses[201]} sales answered 201 ({len(retried)} after retrying the same key, "
        f"{sum(a.replayed for a in retried)} of them replayed: the lost try had sold); {refused or 'no refusals'}; "
        f"{statuses[None]} given up after {ANSWER_WITHIN:.0f} s"
    )
    paid = [o for o in traffic.orders if o.paid]
    stops = Counter(o.stopped_at for o in traffic.orders if not o.paid)
    print(
        f"portal: {len(paid)} orders paid on the checkout ({sum(o.returned for o in paid)} customers came back "
        f"to the shop, {sum(not o.returned for o in paid)} closed the tab); {sum(stops.values())} attempts ended "
        f"by an error before paying ({', '.join(f'at {k}: {n}' for k, n in stops.items()) or 'none'})"
    )
    errors = Counter(c.error for c in traffic.calls if c.error)
    print(
        f"requests: {len(traffic.calls)} in {length:.0f} s, {sum(errors.values())} errors "
        f"({', '.join(f'{kind} {n}' for kind, n in errors.most_common()) or 'none'})"
    )


# --- Main


def environment(*, base: str, database_url: str, var_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("TASKS_BACKEND", "DEMO_CLOCK")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "simrenew.settings",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src"),
            "PYTHONUNBUFFERED": "1",
            "PRODUCTION": "false",
            "DATABASE_URL": database_url,
            "SIMRENEW_VAR": str(var_dir),
            "SITE_URL": base,
            "PUBLIC_URL": base,
            "MOLLIE_API_ENDPOINT": base + "/sandbox/mollie",
            "PAYMENT_SANDBOX": "true",
            "EMAIL_URL": "outbox://",
            "JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
            "JOBS_RETRY_BASE_SECONDS": "0.5",
            "JOBS_RETRY_MAX_SECONDS": "5",
            "PAYMENT_RECONCILE_AFTER_SECONDS": str(RECONCILE_AFTER_SECONDS),
            "LOG_LEVEL": "INFO",
        }
    )
    return env


def start_processes(supervisor: Supervisor, port: int) -> None:
    supervisor.add("web", [*gunicorn_command(port=port, workers=2), "--reuse-port"])
    for name in ("worker-1", "worker-2"):
        supervisor.add(name, [sys.executable, "manage.py", "worker"])
    supervisor.add("scheduler", [sys.executable, "manage.py", "scheduler", "--interval", str(SCHEDULER_INTERVAL)])
    supervisor.start()


def wait_serving(base: str, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/en/", timeout=3).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the shop did not answer within {within:.0f} s")


def run(args: argparse.Namespace, *, cluster: Cluster, supervisor: Supervisor, seed: int) -> bool:
    """The whole benchmark; True when every invariant held."""
    cluster.create()
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE simrenew_faults")
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    base, url = supervisor.env["SITE_URL"], supervisor.env["DATABASE_URL"]
    os.environ.update(supervisor.env)  # this process loads the data and checks the invariants through Django
    scenario = load_scenario(tills=args.tills, customers=args.customers)
    print(
        f"machine: {os.cpu_count()} cores; PostgreSQL {version.split()[0]} (throwaway cluster); seed {seed}\n"
        f"{len(scenario['tills'])} POS tills (one on a corner shop's {CORNER_SHOP_FLOAT // 100} EUR float), "
        f"{args.customers} customers; gunicorn 2 workers x 4 threads, 2 job workers (lease {LEASE_SECONDS} s), "
        f"scheduler every {SCHEDULER_INTERVAL} s; reconcile checks a payment after {reconcile_wait()}"
    )
    start_processes(supervisor, int(base.rsplit(":", 1)[1]))
    wait_serving(base, within=60)

    traffic = Traffic(base=base, scenario=scenario, seed=seed)
    plan = plan_faults(kills=args.kills, db_restarts=args.db_restarts, rng=random.Random(seed))
    injector = Injector(traffic=traffic, supervisor=supervisor, cluster=cluster, url=url, plan=plan)
    print(f"load for {args.seconds:.0f} s or more; {len(plan)} faults: {args.kills} kills, {args.db_restarts} restarts")
    started = time.monotonic()
    try:
        stopped = run_load(traffic=traffic, injector=injector, seconds=args.seconds)
        print_load(traffic, stopped - started)
        took, waited_for, checks = settle(traffic, within=args.settle_seconds)
        checks.append(ledger_verify(supervisor.env))
        deadline = time.monotonic() + 30  # the lost work of the last kills, watched meanwhile
        for watcher in injector.watchers:
            watcher.join(timeout=max(0.0, deadline - time.monotonic()))
    finally:
        injector.abort.set()
        injector.stopped.set()
    print_faults(traffic, injector.faults, started)
    print(f"\nprocesses the supervisor started again: {supervisor.restarts()}")
    if waited_for:
        print("open when the load stopped: " + ", ".join(f"{c.what} {c.found}" for c in waited_for))
    print(
        f"settled {took:.1f} s after the load stopped"
        if took is not None
        else f"NOT settled {args.settle_seconds:.0f} s after the load stopped"
    )
    print(f"\n  {'jobs done, whole run':<34} {'count':>6}  {'p50':>6} {'p99':>6} {'max':>6}  s waited past due")
    print("\n".join(job_waits()))
    print_checks(checks)
    if len(injector.faults) < len(plan):
        print(f"only {len(injector.faults)} of {len(plan)} faults were injected")
    return took is not None and not failing(checks) and len(injector.faults) == len(plan)


def interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    if "--cluster" in sys.argv[1:]:  # the same load and checks through HAProxy to a whole cluster
        import cluster_faults

        sys.argv.remove("--cluster")
        cluster_faults.main()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cluster", action="store_true", help="run bench/cluster_faults.py (its options follow)")
    parser.add_argument("--seconds", type=float, default=150, help="load time (longer if the faults need it)")
    parser.add_argument("--kills", type=int, default=20, help="process kills (web, web worker, job worker, scheduler)")
    parser.add_argument("--db-restarts", type=int, default=2, help="PostgreSQL restarts (fast, then immediate)")
    parser.add_argument("--tills", type=int, default=4, help="POS tills on the two big floats (+1 corner shop)")
    parser.add_argument("--customers", type=int, default=3, help="customers paying portal orders")
    parser.add_argument("--settle-seconds", type=float, default=60, help="wait at most this long after the load")
    parser.add_argument("--seed", type=int, default=None, help="random seed (fault plan, moments, customers)")
    parser.add_argument("--keep", action="store_true", help="keep the logs and the cluster's files")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    # Both stop everything cleanly, also when started with SIGINT ignored (in the background).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, interrupt)

    home = Path(tempfile.mkdtemp(prefix="simrenew-faults-"))
    home.chmod(0o711)  # the postgres user must reach its directory inside
    (home / "logs").mkdir()
    (home / "var" / "staticfiles").mkdir(parents=True)  # WhiteNoise warns in every process without it
    cluster = Cluster(home / "postgres")
    env = environment(
        base=f"http://127.0.0.1:{free_port()}", database_url=cluster.url("simrenew_faults"), var_dir=home / "var"
    )
    supervisor = Supervisor(env=env, logs=home / "logs", delay=RESTART_DELAY)
    passed = False
    try:
        passed = run(args, cluster=cluster, supervisor=supervisor, seed=seed)
        print("\nPASS: paid means delivered" if passed else "\nFAIL: see above")
    except KeyboardInterrupt:
        print("\ninterrupted")
    finally:
        supervisor.stop()
        if not passed:
            print("\nlast lines of each process's log:\n" + supervisor.tails())
        try:
            cluster.stop()
        finally:
            if not passed and cluster.log.exists():
                print("--- postgres.log\n" + "\n".join(cluster.log.read_text(errors="replace").splitlines()[-15:]))
            if args.keep:
                print(f"\nkept: {home} (logs/, postgres/)")
            else:
                shutil.rmtree(home, ignore_errors=True)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
