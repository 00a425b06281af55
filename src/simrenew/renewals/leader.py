"""Which scheduler acts: leadership by a lease on one row, so that of the schedulers an operator runs
(two for safety, or two by mistake) exactly one queues ticks at a time.

The leader renews its lease every LEADER_RENEW_SECONDS; a follower tries to take it as often. When the
leader dies (kill -9, a lost machine) nobody renews, the lease runs out after LEADER_LEASE_SECONDS and
the first follower to try takes over: a hand-over within LEADER_LEASE_SECONDS + LEADER_RENEW_SECONDS.
A leader that cannot renew (its database connection is gone) stops acting at once: it acts only
while it holds a lease it has renewed itself, so two never act at once, even across a network split
(the lease is checked against the database's own clock, not the machines').

Each job the ticks run still takes its own lease (renewals.scheduler), so even a tick queued by a
former leader a moment before it lost the lease never runs a job twice at once.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from simrenew.renewals.models import JobWatermark

LEADER = "__leader__"


def lease_seconds() -> float:
    return float(getattr(settings, "LEADER_LEASE_SECONDS", 10))


def renew_seconds() -> float:
    return float(getattr(settings, "LEADER_RENEW_SECONDS", 2))


def _row() -> None:
    if JobWatermark.objects.filter(name=LEADER).exists():
        return
    try:
        with transaction.atomic():
            JobWatermark.objects.create(name=LEADER)
    except IntegrityError:
        pass  # another scheduler made it first


def hold(me: str) -> bool:
    """Take or renew the leadership for `me`; True while `me` leads."""
    _row()
    now = timezone.now()
    until = now + timedelta(seconds=lease_seconds())
    with transaction.atomic():
        taken = (
            JobWatermark.objects.filter(name=LEADER)
            .filter(Q(lease_owner=me) | Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .update(lease_owner=me, lease_until=until)
        )
    return bool(taken)


def note_tick(me: str) -> None:
    """The leader queued a tick now (the scheduler's lag in /metrics)."""
    JobWatermark.objects.filter(name=LEADER, lease_owner=me).update(last_started_at=timezone.now())


def step_down(me: str) -> None:
    """Give the lease back (a clean stop): a follower takes over at its next try, not after the lease."""
    JobWatermark.objects.filter(name=LEADER, lease_owner=me).update(lease_until=None)


def current_leader(*, now: datetime | None = None) -> str:
    """The owner of a live leadership lease, or "" when none."""
    now = now or timezone.now()
    row = JobWatermark.objects.filter(name=LEADER, lease_until__gte=now).values_list("lease_owner", flat=True).first()
    return row or ""


def last_tick() -> datetime | None:
    return JobWatermark.objects.filter(name=LEADER).values_list("last_started_at", flat=True).first()
