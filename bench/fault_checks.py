"""What must hold after a fault run, read from the database: paid means delivered once, what tills were
told matches the sales, floats never below zero, no job, webhook or confirmation left behind, and a
clean ledger. Run in the benchmark's own process once Django is set up."""

import json
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from pos_sales import ROOT, percentile
from shoppers import Traffic

# A READY job this far past its time is overdue: the workers poll every second when idle.
OVERDUE = timedelta(seconds=5)
TICK_TASK = "simrenew.renewals.tasks.tick"


@dataclass
class Check:
    what: str
    found: int
    ok: bool | None = None  # None: a figure, not an invariant
    detail: str = ""


def delivered(traffic: Traffic) -> list[Check]:
    """Every order paid at the provider is fulfilled, once; every POS 201 is one sale."""
    from django.db.models import Count

    from simrenew.ledger.models import Account, AccountKind, Journal
    from simrenew.lines.models import BundlePeriod
    from simrenew.orders.models import Order, OrderStatus
    from simrenew.payments.models import Payment
    from simrenew.retail.models import Sale
    from simrenew.sandbox.models import SandboxPayment
    from simrenew.terminals import sealing
    from simrenew.terminals.models import IdempotentCall

    paid_ids = set(SandboxPayment.objects.filter(status=SandboxPayment.PAID).values_list("public_id", flat=True))
    paid = list(Payment.objects.filter(provider_payment_id__in=paid_ids).values_list("provider_payment_id", "order_id"))
    status = dict(Order.objects.filter(pk__in={o for _, o in paid}).values_list("pk", "status"))
    undelivered = sorted(pk for pk, state in status.items() if state != OrderStatus.FULFILLED)
    unknown = paid_ids - {payment for payment, _ in paid}
    twice_paid = [order for order, n in Counter(order for _, order in paid).items() if n > 1]
    fulfilled = set(Order.objects.filter(status=OrderStatus.FULFILLED).values_list("pk", flat=True))
    keys = Journal.objects.filter(key__startswith="order:", key__endswith=":fulfil").values_list("key", flat=True)
    journals = Counter(int(key.split(":")[1]) for key in keys)
    periods = BundlePeriod.objects.exclude(order_id=None).values("order_id").annotate(n=Count("pk")).filter(n__gt=1)
    doubled = {order for order, n in journals.items() if n > 1} | {row["order_id"] for row in periods}

    tills = [t["key_id"] for t in traffic.scenario["tills"]]
    calls = IdempotentCall.objects.filter(terminal__key_id__in=tills, status_code=201)
    told = [json.loads(sealing.unseal(call.body_sealed))["number"] for call in calls]
    sales = Counter(Sale.objects.filter(terminal__key_id__in=tills).values_list("number", flat=True))
    not_one = [number for number in told if sales[number] != 1]
    untold = set(sales) - set(told)
    missing = {a.sale for a in traffic.sales if a.status == 201} - set(sales)
    floats = dict(Account.objects.filter(kind=AccountKind.RETAILER_FLOAT).values_list("code", "balance_amount"))
    negative = [code for code, balance in floats.items() if balance < 0]
    return [
        Check("orders paid at the provider (sandbox)", len(status)),
        Check("  of which fulfilled", len(status) - len(undelivered)),
        Check("paid but not fulfilled", len(undelivered), not undelivered, " ".join(status[p] for p in undelivered)),
        Check("paid at the provider, unknown to us", len(unknown), not unknown, " ".join(sorted(unknown))),
        Check("orders paid twice", len(twice_paid), not twice_paid),
        Check("orders fulfilled (POS and portal)", len(fulfilled)),
        Check("fulfilled twice (journals or bundle periods)", len(doubled), not doubled),
        Check("fulfilled without a fulfilment journal", len(fulfilled - set(journals)), not fulfilled - set(journals)),
        Check("POS keys answered 201", len(told)),
        Check("POS keys without exactly one sale", len(not_one), not not_one),
        Check("POS sales no key answers for", len(untold), not untold),
        Check("201s tills got without that sale", len(missing), not missing),
        Check("floats below zero", len(negative), not negative, f"lowest {min(floats.values(), default=0) / 100:.2f}"),
    ]


def _alive(owner: str) -> bool:
    """Whether a lease owner `host:pid` is a live process (only this host's can be told)."""
    host, _, pid = owner.rpartition(":")
    return host != socket.gethostname() or not pid.isdigit() or Path(f"/proc/{pid}").exists()


def nothing_left(traffic: Traffic) -> list[Check]:
    """No job stuck, no webhook unprocessed, every confirmation sent once."""
    from django.utils import timezone

    from simrenew.jobs.models import Job, JobStatus
    from simrenew.notifications.models import OutboxKind, OutboxMessage
    from simrenew.orders.models import Channel, Order, OrderStatus
    from simrenew.payments.models import WebhookInbox
    from simrenew.renewals.leader import LEADER
    from simrenew.renewals.models import JobWatermark

    now = timezone.now()
    running = Job.objects.filter(status=JobStatus.RUNNING).count()
    late = Job.objects.filter(status=JobStatus.READY, run_after__lt=now - OVERDUE).count()
    later = Job.objects.filter(status=JobStatus.READY, run_after__gte=now - OVERDUE).count()
    dead = list(Job.objects.filter(status=JobStatus.FAILED).values_list("task_path", "last_error"))
    # A scheduled job (orders.reconcile…) runs inside a tick job, under a lease on its watermark; one
    # leased while no tick runs, or to a process that is gone, is skipped by every tick until it expires.
    # (The schedulers' leadership lease is a row of the same table, held by a scheduler, not a tick.)
    held = JobWatermark.objects.filter(lease_until__gt=now).exclude(name=LEADER).values_list("name", "lease_owner")
    ticking = Job.objects.filter(task_path=TICK_TASK, status=JobStatus.RUNNING).exists()
    stale = [name for name, owner in held if not ticking or not _alive(owner)]
    unprocessed = WebhookInbox.objects.filter(processed_at__isnull=True).count()
    confirmable = list(
        Order.objects.filter(status=OrderStatus.FULFILLED)
        .exclude(email="")
        .exclude(channel=Channel.AUTO)
        .values_list("number", "confirmation_sent_at")
    )
    unsent = [number for number, sent in confirmable if sent is None]
    subjects = OutboxMessage.objects.filter(kind=OutboxKind.EMAIL).values_list("subject", flat=True)
    mails = Counter(number for subject in subjects for number in re.findall(r"SR-[A-Za-z0-9]+", subject))
    not_one = [number for number, _ in confirmable if mails[number] != 1]
    return [
        Check("jobs RUNNING", running, running == 0),
        Check("jobs READY and overdue", late, late == 0),
        Check("jobs FAILED (dead letters)", len(dead), not dead, "; ".join(f"{t}: {e[:80]}" for t, e in dead[:3])),
        Check("jobs READY for later (webhook retries)", later),
        Check("scheduled jobs leased, none running them", len(stale), not stale, " ".join(stale)),
        Check("webhooks received", WebhookInbox.objects.count()),
        Check("webhooks unprocessed", unprocessed, unprocessed == 0),
        Check("confirmations unsent", len(unsent), not unsent, " ".join(unsent[:5])),
        Check("orders without exactly 1 confirmation e-mail", len(not_one), not not_one, " ".join(not_one[:5])),
    ]


def invariants(traffic: Traffic) -> list[Check]:
    from django.db import connections

    connections.close_all()  # ours may predate a database restart
    return delivered(traffic) + nothing_left(traffic)


def failing(checks: list[Check]) -> list[Check]:
    return [check for check in checks if check.ok is False]


def settle(traffic: Traffic, within: float) -> tuple[float | None, list[Check], list[Check]]:
    """Check every 2 s until every invariant holds, `within` seconds at most. Returns how long it took
    (None: not settled), what failed at the first check (what settling waited for), the last checks."""
    started = time.monotonic()
    first: list[Check] | None = None
    while True:
        try:
            checks = invariants(traffic)
        except Exception as exc:  # the database may still be recovering
            checks = [Check(f"checks failed: {type(exc).__name__}: {exc}", 1, False)]
        first = failing(checks) if first is None else first
        if not failing(checks):
            return time.monotonic() - started, first, checks
        if time.monotonic() - started > within:
            return None, first, checks
        time.sleep(2)


def job_waits() -> list[str]:
    """Per task: jobs done, and how long they waited past their time (p50, p99, max), as table rows."""
    from simrenew.jobs.models import Job, JobStatus

    waits: dict[str, list[float]] = {}
    done = Job.objects.filter(status=JobStatus.SUCCESSFUL).values_list("task_path", "run_after", "started_at")
    for path, due, started in done:
        parts = path.split(".")
        waits.setdefault(f"{parts[-3]}.{parts[-1]}", []).append((started - due).total_seconds())
    rows = []
    for task, seconds in sorted(waits.items(), key=lambda item: -len(item[1])):
        p50, p99 = percentile(seconds, 0.5), percentile(seconds, 0.99)
        rows.append(f"  {task:<34} {len(seconds):>6}  {p50:>6.1f} {p99:>6.1f} {max(seconds):>6.1f}")
    return rows


def ledger_verify(env: dict[str, str]) -> Check:
    done = subprocess.run(
        [sys.executable, "manage.py", "ledger", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = (done.stdout + done.stderr).strip().splitlines()
    return Check(
        "manage.py ledger verify (exit status)", done.returncode, done.returncode == 0, output[-1] if output else ""
    )


def print_checks(checks: list[Check]) -> None:
    print("\ninvariants:")
    for check in checks:
        verdict = "" if check.ok is None else ("ok" if check.ok else "FAIL")
        print(f"  {check.what:<46} {check.found:>6}  {verdict:<4} {check.detail}".rstrip())
