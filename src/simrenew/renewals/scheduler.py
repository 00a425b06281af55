"""A small scheduler: every minute a tick runs the lifecycle's jobs in order (renewals.jobs.JOBS).

Each job keeps a watermark row: a run takes a lease on it (two schedulers, or a tick that overlaps
a slow one, never run a job twice at once), does everything due between the watermark and now,
and moves the watermark only when it succeeded. A job that fails or a process that dies leaves the
watermark where it was; the next tick catches up, and the jobs' unique keys make sure each thing
happens once.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from simrenew.kit import clock
from simrenew.renewals.jobs import JOBS, Result
from simrenew.renewals.models import JobWatermark

log = logging.getLogger(__name__)


def lease() -> timedelta:
    """A running job renews its lease every third of this, so a scheduler or worker that dies
    mid-job holds the job back for at most this long (SCHEDULER_LEASE_SECONDS, default 90)."""
    return timedelta(seconds=float(getattr(settings, "SCHEDULER_LEASE_SECONDS", 90)))


@dataclass(frozen=True)
class Outcome:
    name: str
    ran: bool
    result: Result
    error: str = ""


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def _watermark(name: str) -> JobWatermark:
    try:
        with transaction.atomic():
            row, _ = JobWatermark.objects.get_or_create(name=name)
    except IntegrityError:
        row = JobWatermark.objects.get(name=name)
    return row


def _take_lease(name: str, me: str) -> bool:
    # Leases run on real time: they are about processes being alive, not about the demo's clock.
    real_now = timezone.now()
    with transaction.atomic():
        return bool(
            JobWatermark.objects.filter(name=name)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=real_now))
            .update(lease_until=real_now + lease(), lease_owner=me)
        )


@contextmanager
def _lease_kept(name: str, me: str) -> Iterator[None]:
    """Renew our lease on `name` from a side thread while the job runs."""
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(lease().total_seconds() / 3):
                try:
                    JobWatermark.objects.filter(name=name, lease_owner=me).update(lease_until=timezone.now() + lease())
                except DatabaseError:
                    log.warning("could not renew the lease of %s; trying again", name)
                    connections.close_all()
        finally:
            connections.close_all()  # the side thread's own connection

    keeper = threading.Thread(target=renew, name=f"lease-{name}", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join(timeout=5)


def run_job(name: str) -> Outcome:
    """Run one job up to now, if no one else is running it."""
    job = dict(JOBS)[name]
    _watermark(name)
    me = owner()
    if not _take_lease(name, me):
        return Outcome(name, ran=False, result={})
    row = JobWatermark.objects.get(name=name)
    until = clock.now()
    JobWatermark.objects.filter(name=name).update(last_started_at=until)
    try:
        with _lease_kept(name, me):
            result = job(row.done_until, until)
    except Exception as exc:
        log.exception("scheduled job %s failed", name)
        _release(
            name, me, lease_until=None, last_error=f"{type(exc).__name__}: {exc}"[:2000], last_finished_at=clock.now()
        )
        return Outcome(name, ran=True, result={}, error=type(exc).__name__)
    done = result.get("errors", 0) == 0
    updates: dict[str, object] = {
        "lease_until": None,
        "last_finished_at": clock.now(),
        "last_result": ", ".join(f"{key}={value}" for key, value in sorted(result.items()))[:255],
        "runs": F("runs") + 1,
    }
    if done:
        # Never move a watermark backwards (the demo clock only moves forward, but be safe).
        if row.done_until is None or until > row.done_until:
            updates["done_until"] = until
        updates["last_error"] = ""
    _release(name, me, **updates)
    return Outcome(name, ran=True, result=result, error="" if done else "some items failed")


def _release(name: str, me: str, **updates: object) -> None:
    """Record the run and give the lease back, on a fresh connection if the job's died (a database
    restart mid-job): a lease left behind would hold the job back for a whole lease()."""
    for attempt in range(5):
        try:
            JobWatermark.objects.filter(name=name, lease_owner=me).update(**updates)
            return
        except DatabaseError:
            log.warning("could not release the lease of %s (attempt %s); retrying", name, attempt + 1)
            for connection in connections.all(initialized_only=True):
                if not connection.in_atomic_block:
                    connection.close()
            time.sleep(0.5 * 2**attempt)
    log.error("the lease of %s stays until it runs out", name)


def tick() -> list[Outcome]:
    """Every job, in order, up to now."""
    return [run_job(name) for name, _ in JOBS]


def run_at(moment: datetime) -> list[Outcome]:
    """One tick with the clock pinned at `moment` (the scheduler's --at, for tests and the demo)."""
    with clock.pinned(moment):
        return tick()
