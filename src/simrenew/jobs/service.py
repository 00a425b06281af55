"""Every write to the job table outside the worker's own claim and record: reclaiming the jobs of
dead workers, staff retrying dead letters, pruning old results."""

from datetime import datetime, timedelta

from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from simrenew.jobs.models import Job, JobStatus

LOST = "lease expired: worker "


def reclaim_lost(*, now: datetime | None = None) -> int:
    """RUNNING jobs whose lease ran out (their worker died or hung) run again, or die when out of attempts.

    The claim already counted the lost attempt, so a job that keeps killing its worker ends in
    the dead-letter list instead of looping forever.
    """
    now = now or timezone.now()
    lost = Job.objects.filter(status=JobStatus.RUNNING, lease_until__lt=now)
    error = Concat(Value(LOST), F("worker_id"), Value(" stopped while running it"))
    dead = lost.filter(attempts__gte=F("max_attempts")).update(
        status=JobStatus.FAILED, finished_at=now, lease_until=None, last_error=error
    )
    again = lost.filter(attempts__lt=F("max_attempts")).update(
        status=JobStatus.READY, run_after=now, lease_until=None, last_error=error
    )
    return dead + again


def retry(*, job_ids: list[str], actor: str) -> int:
    """Staff send dead-letter jobs back to the queue, with a fresh set of attempts."""
    now = timezone.now()
    jobs = list(Job.objects.filter(pk__in=job_ids, status=JobStatus.FAILED))
    for job in jobs:
        job.errors = [*job.errors, {"at": now.isoformat(), "event": f"retried by {actor}"}][-50:]
        job.status = JobStatus.READY
        job.run_after = now
        job.attempts = 0
        job.finished_at = None
        job.save(update_fields=["errors", "status", "run_after", "attempts", "finished_at"])
    return len(jobs)


def prune(*, older_than: timedelta) -> int:
    """Delete successful jobs finished before now - older_than (failed ones stay for staff)."""
    cutoff = timezone.now() - older_than
    deleted, _ = Job.objects.filter(status=JobStatus.SUCCESSFUL, finished_at__lt=cutoff).delete()
    return deleted
