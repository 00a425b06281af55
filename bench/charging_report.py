"""What the charging benchmark measures and prints: per phase, decisions/s, latency and what a decision
costs (SQL round trips, commits, CPU of gunicorn and of PostgreSQL) beside pgbench's ceiling for the
same statements; the invariants checked after the run; the issue's targets, met or missed."""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from captured_sql import Maintenance
from gunicorn_counting import gc_pauses, served_percentile
from pos_report import Check, Usage

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO, TARGET_P99_MS, PACED_SHARE = 0.25, 30.0, 0.8


@dataclass
class Phase:
    layout: str  # spread (each client its own lines) or hot (every client on one line)
    sessions: int  # concurrent sessions (clients)
    seconds: float
    load: float  # load average (1 min) when the phase began
    paced: float = 0.0  # decisions/s asked for (0: as fast as answered)
    decisions: int = 0
    errors: int = 0
    elapsed: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    served_p99: float = 0.0  # the same decisions' p99 in gunicorn's threads (gunicorn_counting)
    sent_p99: float = 0.0  # the same decisions' p99 from when each was sent
    late_p99: float = 0.0  # how late the sends were, p99 (paced: after when they were due)
    gc_full: int = 0  # full garbage collections in gunicorn's workers during the phase
    gc_long: int = 0  # their garbage-collection pauses of 5 ms or more
    gc_longest: str = "none"  # the longest pause's range
    maintenance: Maintenance | None = None  # what else the server did during the phase
    requests: int = 0
    statements: float = 0.0  # round trips per decision, BEGIN and COMMIT included
    commits: float = 0.0
    web_ms: float = 0.0
    db_ms: float = 0.0
    client_ms: float = 0.0
    busy: float = 0.0
    others: float = 0.0
    tps: float = 0.0  # pgbench: sessions/s
    per_session: int = 0  # decisions in a pgbench transaction (a whole session)
    db_ms_per_decision: float = 0.0  # PostgreSQL's CPU per decision under pgbench
    pgbench_ms: float = 0.0  # pgbench's own CPU per decision

    @property
    def name(self) -> str:
        return f"{self.layout} {self.sessions}" + (" paced" if self.paced else "")

    @property
    def rate(self) -> float:
        return self.decisions / self.elapsed if self.elapsed else 0.0

    @property
    def ceiling(self) -> float:
        return self.tps * self.per_session

    @property
    def cpu_ratio(self) -> float:
        """The ratio were the cores ours alone and both sides CPU-bound: pgbench's CPU per decision
        (PostgreSQL's and its own) over the app's (gunicorn's, PostgreSQL's, the load generator's)."""
        app = self.web_ms + self.db_ms + self.client_ms
        return (self.db_ms_per_decision + self.pgbench_ms) / app if app else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / self.ceiling if self.ceiling else 0.0

    def measured(self, before: Usage, after: Usage) -> None:
        served = max(1, after.counters["requests"] - before.counters["requests"])
        trips = sum(after.counters[k] - before.counters[k] for k in ("statements", "begins", "commits", "rollbacks"))
        self.requests = served
        self.statements = trips / served
        self.commits = (after.counters["commits"] - before.counters["commits"]) / served
        self.served_p99 = served_percentile(before.counters, after.counters, 0.99)
        self.gc_full, self.gc_long, self.gc_longest = gc_pauses(before.counters, after.counters)
        self.web_ms = (after.web - before.web) * 1000 / served
        self.db_ms = (after.db - before.db) * 1000 / served
        self.client_ms = (after.client - before.client) * 1000 / served
        machine = after.machine - before.machine
        ours = (after.web - before.web) + (after.db - before.db) + (after.client - before.client)
        self.busy = machine.busy / machine.total if machine.total else 0.0
        self.others = max(0.0, machine.busy - ours) / machine.total if machine.total else 0.0


def print_table(phases: list[Phase]) -> None:
    print(
        "\nphase          decisions/s  p50 ms  p99 ms  served p99  errors  stmts  commits  web ms  PG ms  client ms"
        "  load  busy"
    )
    for p in phases:
        print(
            f"{p.name:<15} {p.rate:10.1f} {p.p50:7.1f} {p.p99:7.1f} {p.served_p99:11.1f} {p.errors:7d}"
            f" {p.statements:6.1f} {p.commits:8.1f}"
            f" {p.web_ms:7.1f} {p.db_ms:6.1f} {p.client_ms:10.1f} {p.load:5.1f}  {p.busy:4.0%} ({p.others:.0%})"
        )
    print("\nphase          pgbench sessions/s  ceiling decisions/s  PG ms  pgbench ms  app/ceiling  by CPU")
    for p in phases:
        if p.tps:
            print(
                f"{p.name:<15} {p.tps:18.1f} {p.ceiling:20.1f} {p.db_ms_per_decision:6.2f} {p.pgbench_ms:11.2f}"
                f" {p.ratio:12.2f} {p.cpu_ratio:7.2f}"
            )
    print(
        "  p50, p99: as the load generator saw them (from when a request was due); served p99: the time gunicorn's"
        " threads took, from the request read to the answer written (in 0.5 ms steps; without the wait for a"
        " thread and the load generator's own delays)."
        " stmts: SQL round trips per decision (the nonce, BEGIN and COMMIT included), counted in gunicorn; web ms,"
        " PG ms, client ms: CPU per decision of gunicorn's processes, PostgreSQL's, the load generator's (/proc);"
        " busy (others): the machine's CPU in use (by processes not ours). pgbench runs whole sessions of the"
        " recorded statements, one transaction each: its ceiling in decisions/s is sessions/s times a session's"
        " decisions; PG ms, pgbench ms: CPU per decision under pgbench; by CPU: app/ceiling were the cores ours"
        " alone and both sides CPU-bound."
    )


def invariants(*, env: dict[str, str], line_credit: int, hot_credit: int, hot_line: int) -> list[Check]:
    """No guarded account below zero; what the lines' credit went down by is what usage rows charged
    (the app's sessions and pgbench's replayed ones alike); every session let go of its hold; and
    `ledger verify` finds nothing."""
    from django.db.models import Sum

    from simrenew.charging.models import Reservation, SessionStatus, Usage
    from simrenew.ledger.models import Account, AccountKind
    from simrenew.lines.models import Line

    negative = Account.objects.filter(guarded=True, balance_amount__lt=0).count()
    lines = Line.objects.count()
    given = line_credit * (lines - 1) + hot_credit
    left = Account.objects.filter(kind=AccountKind.LINE_CREDIT).aggregate(total=Sum("balance_amount"))["total"] or 0
    charged = Usage.objects.aggregate(total=Sum("credit_amount"))["total"] or 0
    held = (
        Reservation.objects.filter(session__status=SessionStatus.RELEASED)
        .exclude(credit_amount=0, granted_units=0)
        .count()
    )
    verify = subprocess.run(
        [sys.executable, "manage.py", "ledger", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    last = (verify.stdout + verify.stderr).strip().splitlines()
    hot_used = Usage.objects.filter(line_id=hot_line).count()
    return [
        Check("guarded accounts below zero", negative == 0, str(negative)),
        Check(
            "credit spent = usage charged",
            given - left == charged,
            f"€{(given - left) / 100:,.2f} spent, €{charged / 100:,.2f} charged in {Usage.objects.count()} usage rows"
            f" ({hot_used} on the hot line)",
        ),
        Check("released sessions hold nothing", held == 0, f"{held} reservations still holding"),
        Check("ledger verify", verify.returncode == 0, last[-1] if last else ""),
    ]


def targets(phases: list[Phase]) -> list[Check]:
    measured = [p for p in phases if not p.paced and p.tps]
    paced = [p for p in phases if p.paced]
    found = []
    if measured:
        worst = min(measured, key=lambda p: p.ratio)
        found.append(
            Check(
                f"decisions/s >= {TARGET_RATIO:.0%} of pgbench's ceiling",
                worst.ratio >= TARGET_RATIO,
                f"worst {worst.ratio:.2f} ({worst.name})",
            )
        )
    if paced:
        worst = max(paced, key=lambda p: p.p99)
        found.append(
            Check(
                f"p99 <= {TARGET_P99_MS:.0f} ms at {PACED_SHARE:.0%} of peak",
                worst.p99 <= TARGET_P99_MS,
                f"worst {worst.p99:.1f} ms ({worst.name}, {worst.paced:.0f}/s asked, {worst.rate:.0f}/s served;"
                f" {worst.sent_p99:.1f} ms from the send, {worst.served_p99:.1f} ms in gunicorn's threads)",
            )
        )
    return found
