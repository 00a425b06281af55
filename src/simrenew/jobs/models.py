"""One row per job: what to run, when, how often it was tried, and who holds it now.

A job moves READY → RUNNING → SUCCESSFUL, or back to READY (a transient failure, retried after a
backoff), or to FAILED (a permanent failure, or its attempts used up: the dead-letter list). A
RUNNING job carries a lease that its worker extends while it runs; a lease that runs out means the
worker died, and the job is made READY again (counted as an attempt). Jobs are idempotent, so a job
that had already done its work when its worker died does nothing the second time.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    # The same words as django.tasks' TaskResultStatus, so a Job maps onto a TaskResult one to one.
    READY = "READY", _("ready")
    RUNNING = "RUNNING", _("running")
    SUCCESSFUL = "SUCCESSFUL", _("successful")
    FAILED = "FAILED", _("failed")


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    task_path = models.CharField(_("task"), max_length=200)
    args_kwargs = models.JSONField(default=dict)
    queue_name = models.CharField(_("queue"), max_length=32, default="default")
    priority = models.IntegerField(default=0, verbose_name=_("priority"))
    backend_name = models.CharField(max_length=32, default="default")
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.READY)
    # Not before this moment (real time, never the demo clock): set at enqueue and after each retry.
    run_after = models.DateTimeField(_("run after"))
    enqueued_at = models.DateTimeField(_("enqueued at"))
    started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Attempts so far, the one running included; at max_attempts a failure is final.
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("max attempts"), default=8)
    worker_id = models.CharField(_("worker"), max_length=64, blank=True)
    worker_ids = models.JSONField(default=list)
    # While RUNNING: the worker's lease. Past it, the worker is taken for dead and the job is reclaimed.
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    return_value = models.JSONField(null=True, blank=True, verbose_name=_("return value"))
    last_error = models.TextField(_("last error"), blank=True)
    exception_class_path = models.CharField(max_length=200, blank=True)
    traceback = models.TextField(blank=True, verbose_name=_("traceback"))
    # One short line per failed attempt (when, which worker, what): the history staff read.
    errors = models.JSONField(default=list)
    # The id of the web request (or job) that queued this one: its log lines carry it too, so one id
    # follows a sale from the request through every job it caused.
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        permissions = [("retry_job", _("Can retry a failed job"))]
        indexes = [
            # The worker's claim: ready jobs of a queue, due first.
            models.Index(
                fields=["queue_name", "-priority", "run_after"],
                name="jobs_ready_idx",
                condition=Q(status=JobStatus.READY),
            ),
            # Reclaiming the jobs of dead workers.
            models.Index(fields=["lease_until"], name="jobs_running_idx", condition=Q(status=JobStatus.RUNNING)),
            models.Index(fields=["status", "finished_at"], name="jobs_finished_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.get_status_display()})"

    @property
    def task_name(self) -> str:
        """`orders.process_webhook` for `simrenew.orders.tasks.process_webhook`: domain and verb."""
        parts = self.task_path.split(".")
        return f"{parts[-3]}.{parts[-1]}" if len(parts) >= 3 else self.task_path

    @property
    def is_dead(self) -> bool:
        return self.status == JobStatus.FAILED
