"""The job worker: claims one due job at a time, runs it under a lease it keeps alive, and records
the outcome: done, retried after a backoff (transient failure), or dead (permanent, or out of tries).

It outlives the database: a lost connection while claiming or recording makes it wait and try
again with a growing pause instead of exiting; a job it could not record is reclaimed once its
lease runs out. SIGTERM or SIGINT stop it after the current job; a second one stops it at once
(that job is then reclaimed, like any job whose worker died).
"""

import logging
import os
import signal
import socket
import threading
import time
import traceback as tb
from collections.abc import Callable
from datetime import timedelta
from types import FrameType
from typing import Any

from django.db import close_old_connections, connections, transaction
from django.tasks import TaskContext, TaskResultStatus, task_backends
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.json import normalize_json

from simrenew.jobs import service
from simrenew.jobs.backend import DatabaseBackend, load_task, to_task_result
from simrenew.jobs.failures import DATABASE_GONE, backoff, is_transient
from simrenew.jobs.models import Job, JobStatus
from simrenew.kit import requestid

log = logging.getLogger(__name__)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{get_random_string(6)}"[:64]


def drop_connections() -> None:
    """Close this thread's database connections so the next query opens a fresh one, except one a
    caller's transaction still holds (a worker run inside a test's transaction)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


class Heartbeat(threading.Thread):
    """Extends the lease of the job being run, from its own thread and database connection."""

    def __init__(self, *, job: Job, lease: timedelta) -> None:
        super().__init__(name=f"heartbeat-{job.pk}", daemon=True)
        self.job_id, self.worker_id, self.attempt = job.pk, job.worker_id, job.attempts
        self.lease = lease
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.lease.total_seconds() / 3):
                try:
                    Job.objects.filter(
                        pk=self.job_id, status=JobStatus.RUNNING, worker_id=self.worker_id, attempts=self.attempt
                    ).update(lease_until=timezone.now() + self.lease)
                except DATABASE_GONE as exc:
                    log.warning("job %s: could not extend its lease (%s)", self.job_id, type(exc).__name__)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's own connections

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


class Worker:
    def __init__(
        self,
        *,
        backend_alias: str = "default",
        queues: list[str] | None = None,
        interval: float = 1.0,
        batch: bool = False,
        max_jobs: int | None = None,
        worker_id: str | None = None,
    ) -> None:
        backend = task_backends[backend_alias]
        if not isinstance(backend, DatabaseBackend):
            raise ValueError(f"task backend {backend_alias!r} is not simrenew's database backend")
        self.alias = backend_alias
        self.policy = backend.policy
        self.lease = timedelta(seconds=self.policy.lease_seconds)
        self.queues = queues or sorted(backend.queues)
        self.interval = interval
        self.batch = batch
        self.max_jobs = max_jobs
        self.worker_id = worker_id or new_worker_id()
        self.jobs_run = 0
        self.running = True
        self.wake = threading.Event()
        self._next_reclaim = 0.0
        self._database_pause = 0.0

    # --- The loop

    def run(self) -> int:
        """Run jobs until stopped (or, with `batch`, until none is due). Returns how many ran."""
        log.info("worker %s: queues %s, lease %ss", self.worker_id, ",".join(self.queues), self.lease.seconds)
        while self.running:
            if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
                close_old_connections()  # as a request would: drop connections that broke or aged
            try:
                self._reclaim_now_and_then()
                job = self.claim()
            except DATABASE_GONE as exc:
                self._database_unavailable(exc)
                continue
            self._database_pause = 0.0
            if job is None:
                if self.batch:
                    break
                self.wake.wait(self.interval)
                continue
            self.execute(job)
            if self.max_jobs is not None and self.jobs_run >= self.max_jobs:
                break
        return self.jobs_run

    def _reclaim_now_and_then(self) -> None:
        if time.monotonic() >= self._next_reclaim:
            if reclaimed := service.reclaim_lost():
                log.warning("worker %s: reclaimed %s job(s) of workers that stopped", self.worker_id, reclaimed)
            self._next_reclaim = time.monotonic() + self.lease.total_seconds() / 4

    def _database_unavailable(self, exc: BaseException) -> None:
        drop_connections()
        self._database_pause = min(10.0, max(0.5, self._database_pause * 2))
        log.warning(
            "worker %s: database unavailable (%s: %s); trying again in %.1f s",
            self.worker_id,
            type(exc).__name__,
            str(exc).strip().splitlines()[0] if str(exc).strip() else "",
            self._database_pause,
        )
        self.wake.wait(self._database_pause)

    def claim(self) -> Job | None:
        """Take the most urgent due job of our queues; other workers skip the locked row."""
        now = timezone.now()
        with transaction.atomic():
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(status=JobStatus.READY, run_after__lte=now, queue_name__in=self.queues, backend_name=self.alias)
                .order_by("-priority", "run_after")
                .first()
            )
            if job is None:
                return None
            job.status = JobStatus.RUNNING
            job.attempts += 1
            job.worker_id = self.worker_id
            job.worker_ids = [*job.worker_ids, self.worker_id][-20:]
            job.started_at = now
            job.lease_until = now + self.lease
            job.save(update_fields=["status", "attempts", "worker_id", "worker_ids", "started_at", "lease_until"])
        return job

    # --- One job

    def execute(self, job: Job) -> None:
        self.jobs_run += 1
        heartbeat = Heartbeat(job=job, lease=self.lease)
        heartbeat.start()
        # The job's log lines, and the jobs it queues, carry the id of the request that queued it.
        requestid.bind(job.request_id or f"job-{job.pk.hex}")
        try:
            value, error = self._call(job)
        finally:
            heartbeat.stop()
            requestid.unbind()
        if error is None:
            self._succeeded(job, value)
        else:
            self._failed(job, error)

    def _call(self, job: Job) -> tuple[Any, BaseException | None]:
        try:
            task = load_task(job)
            args, kwargs = job.args_kwargs.get("args", []), job.args_kwargs.get("kwargs", {})
            task_started.send(type(task.get_backend()), task_result=to_task_result(job, task=task))
            if task.takes_context:
                return task.call(TaskContext(task_result=to_task_result(job, task=task)), *args, **kwargs), None
            return task.call(*args, **kwargs), None
        except Exception as exc:
            if isinstance(exc, DATABASE_GONE):
                drop_connections()  # the connection may be dead: record on a fresh one
            return None, exc

    def _succeeded(self, job: Job, value: Any) -> None:
        try:
            stored = normalize_json(value)
        except TypeError:
            log.warning("job %s returned a value that is not JSON; stored as its repr", job.pk)
            stored = repr(value)
        job.status, job.finished_at, job.lease_until, job.return_value = (
            JobStatus.SUCCESSFUL,
            timezone.now(),
            None,
            stored,
        )
        self._record(job, ["status", "finished_at", "lease_until", "return_value"])
        self._signal_finished(job)

    def _failed(self, job: Job, exc: BaseException) -> None:
        now = timezone.now()
        transient = is_transient(exc)
        retry = transient and job.attempts < job.max_attempts
        summary = f"{type(exc).__name__}: {exc}".strip()[:1000]
        job.errors = [
            *job.errors,
            {
                "at": now.isoformat(),
                "attempt": job.attempts,
                "worker": self.worker_id,
                "error": summary[:300],
                "transient": transient,
            },
        ][-50:]
        job.last_error = summary
        job.exception_class_path = f"{type(exc).__module__}.{type(exc).__qualname__}"[:200]
        job.traceback = "".join(tb.format_exception(exc))[-20000:]
        job.lease_until = None
        if retry:
            job.status = JobStatus.READY
            job.run_after = now + backoff(
                attempt=job.attempts, base=self.policy.retry_base_seconds, cap=self.policy.retry_max_seconds
            )
            log.warning(
                "job %s %s failed (attempt %s of %s, %s); retrying at %s",
                job.task_name,
                job.pk,
                job.attempts,
                job.max_attempts,
                summary[:200],
                job.run_after.isoformat(timespec="seconds"),
            )
        else:
            job.status = JobStatus.FAILED
            job.finished_at = now
            log.error(
                "job %s %s failed for good (%s, attempt %s of %s): %s",
                job.task_name,
                job.pk,
                "transient" if transient else "permanent",
                job.attempts,
                job.max_attempts,
                summary[:300],
            )
        fields = ["errors", "last_error", "exception_class_path", "traceback", "lease_until", "status"]
        self._record(job, [*fields, "run_after" if retry else "finished_at"])
        if not retry:
            self._signal_finished(job)

    def _record(self, job: Job, fields: list[str]) -> None:
        """Write the outcome, only if the job is still ours (not reclaimed meanwhile), through outages
        shorter than a lease; after that the lease runs out and the job is reclaimed and run again."""
        values = {name: getattr(job, name) for name in fields}
        mine = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker_id=self.worker_id, attempts=job.attempts)

        def write() -> None:
            if not mine.update(**values):
                log.warning("job %s was reclaimed by another worker meanwhile; its outcome is theirs", job.pk)

        self._while_database_returns(write, give_up_after=self.lease.total_seconds())

    def _while_database_returns(self, write: Callable[[], object], *, give_up_after: float) -> None:
        deadline = time.monotonic() + give_up_after
        pause = 0.5
        while True:
            try:
                write()
                return
            except DATABASE_GONE as exc:
                drop_connections()
                if time.monotonic() + pause > deadline:
                    log.error("could not record a job's outcome (%s); its lease will run out and it runs again", exc)
                    return
                log.warning("database unavailable while recording a job (%s); trying again", type(exc).__name__)
                time.sleep(pause)
                pause = min(5.0, pause * 2)

    def _signal_finished(self, job: Job) -> None:
        try:
            task = load_task(job)
        except Exception:
            return
        result = to_task_result(job, task=task)
        if result.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            task_finished.send(type(task.get_backend()), task_result=result)

    # --- Signals

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._stop)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            log.warning("worker %s: stopping now; the running job will be reclaimed", self.worker_id)
            raise SystemExit(1)
        log.info("worker %s: %s, stopping after the current job", self.worker_id, signal.strsignal(signum))
        self.running = False
        self.wake.set()
