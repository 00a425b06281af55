"""Reads of the job table that other parts share."""

from django.db.models import Count

from simrenew.jobs.models import Job, JobStatus


def is_pending(task_path: str) -> bool:
    """True while a job of this task waits to run or runs (the scheduler queues no second tick)."""
    return Job.objects.filter(task_path=task_path, status__in=[JobStatus.READY, JobStatus.RUNNING]).exists()


def counts_by_status() -> dict[str, int]:
    return dict(Job.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
