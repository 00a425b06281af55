"""`django.tasks` backend on the `Job` table: `task.enqueue(...)` writes a row in the caller's
transaction (so a rolled-back request queues nothing), and `simrenew worker` runs it. Code that asks
for a job as part of what it commits calls `enqueue_with_transaction`.

OPTIONS (all optional): MAX_ATTEMPTS (8), RETRY_BASE_SECONDS (5), RETRY_MAX_SECONDS (3600),
LEASE_SECONDS (60): how long a worker may stay silent before its job is taken for lost.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import TaskResult, TaskResultStatus
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import Task, TaskError
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

from simrenew.jobs.models import Job, JobStatus
from simrenew.kit import requestid


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 8
    retry_base_seconds: float = 5.0
    retry_max_seconds: float = 3600.0
    lease_seconds: float = 60.0

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> "Policy":
        return cls(
            max_attempts=int(options.get("MAX_ATTEMPTS", cls.max_attempts)),
            retry_base_seconds=float(options.get("RETRY_BASE_SECONDS", cls.retry_base_seconds)),
            retry_max_seconds=float(options.get("RETRY_MAX_SECONDS", cls.retry_max_seconds)),
            lease_seconds=float(options.get("LEASE_SECONDS", cls.lease_seconds)),
        )


class DatabaseBackend(BaseTaskBackend):
    supports_defer = True
    supports_get_result = True
    supports_priority = True
    supports_async_task = False

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.policy = Policy.from_options(self.options)

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        now = timezone.now()
        job = Job.objects.create(
            task_path=task.module_path,
            args_kwargs=normalize_json({"args": list(args), "kwargs": dict(kwargs)}),
            queue_name=task.queue_name,
            priority=task.priority,
            backend_name=self.alias,
            run_after=task.run_after or now,
            enqueued_at=now,
            max_attempts=self.policy.max_attempts,
            request_id="" if requestid.current() == requestid.NONE else requestid.current(),
        )
        result = to_task_result(job, task=task)
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id: str) -> TaskResult:
        try:
            job = Job.objects.get(pk=result_id)
        except (Job.DoesNotExist, ValidationError, ValueError) as exc:  # a malformed id is not a job either
            raise TaskResultDoesNotExist(result_id) from exc
        return to_task_result(job)


def load_task(job: Job) -> Task:
    task = import_string(job.task_path)
    if not isinstance(task, Task):
        raise TypeError(f"{job.task_path} is not a task")
    return task.using(priority=job.priority, queue_name=job.queue_name, backend=job.backend_name)


def to_task_result(job: Job, *, task: Task | None = None) -> TaskResult:
    """The `django.tasks` view of a job (what `enqueue` returns and `get_result` reads)."""
    result: TaskResult = TaskResult(
        task=task if task is not None else load_task(job),
        id=str(job.pk),
        status=TaskResultStatus[job.status],
        enqueued_at=job.enqueued_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        last_attempted_at=job.started_at,
        args=job.args_kwargs.get("args", []),
        kwargs=job.args_kwargs.get("kwargs", {}),
        backend=job.backend_name,
        errors=[TaskError(exception_class_path=job.exception_class_path, traceback=job.traceback)]
        if job.status == JobStatus.FAILED
        else [],
        worker_ids=list(job.worker_ids),
    )
    object.__setattr__(result, "_return_value", job.return_value)
    return result


def enqueue_with_transaction(task: Task, *args: Any, **kwargs: Any) -> None:
    """Queue `task` as part of the caller's transaction. With this backend its row is written in that
    transaction, so the job exists exactly when what asked for it is committed: nothing between the
    commit and the queueing (a process killed, the database restarting) can lose it. A backend that
    runs tasks at once (tests, the demo's history) runs it after the commit, as a worker would."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
