"""What the POS benchmark measures and prints: per phase, throughput, latency and the cost of a sale
(round trips, commits, CPU of gunicorn and of PostgreSQL) beside pgbench's ceiling; the invariants
checked after the run; and the issue's targets, met or missed."""

import os
import platform
import resource
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from gunicorn_counting import BINS, read_totals
from proc_cpu import Machine, tree_seconds

ROOT = Path(__file__).resolve().parent.parent
# The old sale path (52 statements), docs/performance.md, 2026-11-25: sales/s per (layout, tills).
BEFORE = {("spread", 16): 22.1, ("hot", 16): 15.7, ("spread", 4): 16.3}
TARGET_WEB_MS, TARGET_RATIO, TARGET_P99_MS, TARGET_JOURNALS = 10.0, 0.25, 100.0, 1000.0


@dataclass
class Usage:
    """Cumulative counters at one moment: CPU seconds (gunicorn's tree, PostgreSQL's tree, the load
    generator: this process and its children that ended, pgbench's being read before it runs), the
    machine's, and gunicorn's statement counters."""

    web: float
    db: float
    client: float
    machine: Machine
    counters: dict[str, int]

    @classmethod
    def now(cls, *, server: int, postmaster: int, counters: Path) -> "Usage":
        own, ended = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(
            web=tree_seconds(server),
            db=tree_seconds(postmaster),
            client=own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime,
            machine=Machine.now(),
            counters=read_totals(counters),
        )


@dataclass
class Phase:
    layout: str  # spread or hot
    tills: int
    floats: int
    seconds: float
    load: float  # load average (1 min) when the phase began
    sales: int = 0
    errors: int = 0
    p50: float = 0.0
    p99: float = 0.0
    requests: int = 0
    statements: float = 0.0  # per request, BEGIN and COMMIT included (round trips)
    commits: float = 0.0
    web_ms: float = 0.0  # CPU per request
    db_ms: float = 0.0
    client_ms: float = 0.0
    busy: float = 0.0  # share of the machine's CPU in use
    others: float = 0.0  # share used by processes not ours (other work on a shared machine)
    tps: float = 0.0
    db_ms_per_txn: float = 0.0
    pgbench_ms: float = 0.0  # pgbench's own CPU per transaction
    round_trips: Counter[int] = field(default_factory=Counter)  # requests by round trips they sent

    @property
    def name(self) -> str:
        return f"{self.layout} {self.tills} tills"

    @property
    def rate(self) -> float:
        return self.sales / self.seconds

    @property
    def cpu_ratio(self) -> float:
        app = self.web_ms + self.db_ms + self.client_ms
        return (self.db_ms_per_txn + self.pgbench_ms) / app if app else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / self.tps if self.tps else 0.0

    def measured(self, before: Usage, after: Usage) -> None:
        served = max(1, after.counters["requests"] - before.counters["requests"])
        round_trips = sum(
            after.counters[k] - before.counters[k] for k in ("statements", "begins", "commits", "rollbacks")
        )
        self.requests = served
        for n in range(BINS):
            if sent := after.counters[f"sent {n}"] - before.counters[f"sent {n}"]:
                self.round_trips[n] = sent
        self.statements = round_trips / served
        self.commits = (after.counters["commits"] - before.counters["commits"]) / served
        self.web_ms = (after.web - before.web) * 1000 / served
        self.db_ms = (after.db - before.db) * 1000 / served
        self.client_ms = (after.client - before.client) * 1000 / served
        machine = after.machine - before.machine
        ours = (after.web - before.web) + (after.db - before.db) + (after.client - before.client)
        self.busy = machine.busy / machine.total if machine.total else 0.0
        self.others = max(0.0, machine.busy - ours) / machine.total if machine.total else 0.0


# --- Checks


@dataclass
class Check:
    what: str
    ok: bool
    detail: str


def invariants(*, statuses: Counter[int], per_sale: int, dry_retailer: int, env: dict[str, str]) -> list[Check]:
    """No float or other guarded account below zero, the corner shop sold exactly what its float held,
    and `ledger verify` finds nothing."""
    from django.db.models import Sum

    from simrenew.ledger.models import Account, AccountKind
    from simrenew.retail.models import FloatDeposit, Retailer, Sale

    floats = dict(Account.objects.filter(kind=AccountKind.RETAILER_FLOAT).values_list("code", "balance_amount"))
    negative = Account.objects.filter(guarded=True, balance_amount__lt=0).count()
    corner = Retailer.objects.get(pk=dry_retailer)
    left = Account.objects.get(code=corner.float_account_code).balance_amount
    sold = Sale.objects.filter(retailer=corner).count()
    held = FloatDeposit.objects.filter(retailer=corner).aggregate(total=Sum("amount"))["total"] or 0
    verify = subprocess.run(
        [sys.executable, "manage.py", "ledger", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    last = (verify.stdout + verify.stderr).strip().splitlines()
    others = {status: n for status, n in statuses.items() if status not in (201, 409)}
    return [
        Check(
            "floats below zero", min(floats.values()) >= 0, f"{sum(v < 0 for v in floats.values())} of {len(floats)}"
        ),
        Check("guarded accounts below zero", negative == 0, str(negative)),
        Check(
            "corner shop: sold what its float held, then refused (409)",
            bool(per_sale) and sold == held // per_sale and left == held - sold * per_sale,
            f"{sold} sales, {statuses[409]} refusals, float left €{left / 100:.2f}, other answers {others or 'none'}",
        ),
        Check("ledger verify", verify.returncode == 0, last[-1] if last else ""),
    ]


# --- Report


def machine_line(url: str) -> str:
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    import gunicorn

    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores, {memory:.0f} GiB; PostgreSQL {version}; "
        f"Python {platform.python_version()}; gunicorn {gunicorn.__version__}; "
        f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}"
    )


def print_table(phases: list[Phase]) -> None:
    print("\nphase              sales/s  p50 ms  p99 ms  errors  stmts  commits  web ms  PG ms  client ms")
    for p in phases:
        print(
            f"{p.name:<17} {p.rate:8.1f} {p.p50:7.0f} {p.p99:7.0f} {p.errors:7d} {p.statements:6.1f} {p.commits:8.1f}"
            f" {p.web_ms:7.1f} {p.db_ms:6.1f} {p.client_ms:10.1f}"
        )
    print("\nphase             pgbench tps  PG ms  pgbench ms  app/db  by CPU  x before  load  busy (others)")
    for p in phases:
        before = BEFORE.get((p.layout, p.tills))
        times = f"{p.rate / before:.1f}x" if before else "-"
        print(
            f"{p.name:<17} {p.tps:11.1f} {p.db_ms_per_txn:6.1f} {p.pgbench_ms:11.1f} {p.ratio:7.2f} {p.cpu_ratio:7.2f}"
            f" {times:>9} {p.load:5.1f}  {p.busy:4.0%} ({p.others:.0%})"
        )
    for p in phases:
        common = ", ".join(f"{n} x{count}" for n, count in p.round_trips.most_common(4))
        print(f"  {p.name}: requests by round trips sent: {common}")
    print(
        "  stmts: SQL round trips per sale, BEGIN and COMMIT included (counted in gunicorn); web ms, PG ms, client ms:"
        " CPU per sale of gunicorn's processes, of PostgreSQL's, of the load generator; pgbench: PostgreSQL's and"
        " pgbench's own CPU per transaction; app/db: sales/s over pgbench's tps; by CPU: the same ratio were the"
        " cores ours alone and both CPU-bound (pgbench's CPU per transaction over the app's per sale); others:"
        " machine CPU used by processes not ours."
    )


def targets(phases: list[Phase], checks: list[Check], journals: float | None) -> list[Check]:
    worst_web = max(phases, key=lambda p: p.web_ms)
    worst_ratio = min(phases, key=lambda p: p.ratio)
    small = [p for p in phases if p.tills == 4] or phases
    worst_p99 = max(small, key=lambda p: p.p99)
    found = [
        Check(
            f"web-server CPU <= {TARGET_WEB_MS:.0f} ms per sale",
            worst_web.web_ms <= TARGET_WEB_MS,
            f"worst {worst_web.web_ms:.1f} ms ({worst_web.name})",
        ),
        Check(
            f"sales/s >= {TARGET_RATIO:.0%} of pgbench's ceiling, spread and hot",
            worst_ratio.ratio >= TARGET_RATIO,
            f"worst {worst_ratio.ratio:.2f} ({worst_ratio.name})",
        ),
        Check(
            f"p99 <= {TARGET_P99_MS:.0f} ms at 4 tills",
            worst_p99.p99 <= TARGET_P99_MS,
            f"worst {worst_p99.p99:.0f} ms ({worst_p99.name})",
        ),
        Check("never an overdrawn float, ledger verify clean", all(c.ok for c in checks), ""),
    ]
    if journals is not None:
        found.append(
            Check(
                f"ledger core >= {TARGET_JOURNALS:.0f} journals/s with 2 workers",
                journals >= TARGET_JOURNALS,
                f"{journals:.0f} journals/s",
            )
        )
    return found


def print_checks(title: str, checks: list[Check]) -> None:
    print(f"\n{title}:")
    for check in checks:
        verdict = ("met" if check.ok else "MISSED") if title == "targets" else ("ok" if check.ok else "FAIL")
        print(f"  {verdict:<6} {check.what:<58} {check.detail}")
