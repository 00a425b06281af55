"""The worker on the database queue: runs, retries with backoff, dead letters, reclaims lost jobs."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError
from django.tasks import TaskResultStatus
from django.utils import timezone

from simrenew.jobs import service
from simrenew.jobs.backend import enqueue_with_transaction
from simrenew.jobs.models import Job, JobStatus
from simrenew.jobs.worker import Worker
from tests.jobs import tasks

pytestmark = pytest.mark.django_db


def run_due() -> int:
    return Worker(batch=True).run()


def test_a_job_runs_once_and_its_result_is_kept(job_backend) -> None:
    result = tasks.add.enqueue(2, 3)
    assert result.status == TaskResultStatus.READY

    assert run_due() == 1
    assert run_due() == 0

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5
    assert tasks.calls["add"] == 1
    job = Job.objects.get()
    assert (job.attempts, job.lease_until, job.worker_id != "") == (1, None, True)


def test_a_rolled_back_enqueue_queues_nothing(job_backend, django_db_blocker) -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.add.enqueue(1, 1)
        raise RuntimeError("the request failed")
    assert not Job.objects.exists()


def test_a_job_asked_for_with_a_transaction_is_written_in_it(job_backend, django_capture_on_commit_callbacks) -> None:
    from django.db import transaction

    # In the transaction itself, not after its commit: nothing between the two can lose the job.
    with django_capture_on_commit_callbacks() as after_commit, transaction.atomic():
        enqueue_with_transaction(tasks.add, 2, 3)
        assert Job.objects.filter(task_path="tests.jobs.tasks.add").count() == 1
    assert after_commit == []
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_with_transaction(tasks.add, 4, 5)
        raise RuntimeError("the request failed")
    assert Job.objects.count() == 1  # the rolled-back one went with its transaction
    assert run_due() == 1 and tasks.calls["add"] == 1


def test_a_job_asked_for_with_a_transaction_runs_after_its_commit_on_an_immediate_backend(
    django_capture_on_commit_callbacks,
) -> None:
    tasks.calls.clear()
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        enqueue_with_transaction(tasks.add, 2, 3)
        assert tasks.calls["add"] == 0  # not inside the transaction that asked for it
    assert len(after_commit) == 1 and tasks.calls["add"] == 1


def test_a_transient_failure_is_retried_with_backoff_until_it_passes(job_backend) -> None:
    tasks.failures_left["webhook"] = 2
    result = tasks.flaky_provider.enqueue("webhook")
    start = timezone.now()

    with time_machine.travel(start, tick=False) as traveller:
        run_due()
        job = Job.objects.get()
        assert job.status == JobStatus.READY
        assert job.attempts == 1
        assert "ConnectionError: connection refused" in job.last_error
        # First retry after 5 to 10 s (base 10 s, jitter between half and all of it).
        assert start + timedelta(seconds=5) <= job.run_after <= start + timedelta(seconds=10)
        assert run_due() == 0  # not due yet

        traveller.shift(timedelta(seconds=10))
        run_due()
        job.refresh_from_db()
        assert (job.status, job.attempts) == (JobStatus.READY, 2)
        assert job.run_after - timezone.now() <= timedelta(seconds=20)

        traveller.shift(timedelta(seconds=20))
        run_due()

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "done"
    job.refresh_from_db()
    assert job.attempts == 3
    assert [entry["attempt"] for entry in job.errors] == [1, 2]
    assert tasks.calls["webhook"] == 3


def test_a_transient_failure_that_never_passes_ends_in_the_dead_letter_list(job_backend) -> None:
    tasks.failures_left["down"] = 100
    tasks.flaky_provider.enqueue("down")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(6):
            run_due()
            traveller.shift(timedelta(minutes=2))
    job = Job.objects.get()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 4)
    assert tasks.calls["down"] == 4
    assert job.finished_at is not None
    assert job.exception_class_path == "requests.exceptions.ConnectionError"


def test_a_permanent_failure_is_not_retried_and_staff_can_retry_it(job_backend) -> None:
    result = tasks.broken.enqueue("bug")
    run_due()
    job = Job.objects.get()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
    assert "ValueError" in job.traceback
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "builtins.ValueError"

    assert service.retry(job_ids=[str(job.pk)], actor="ops@simrenew.example") == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.READY, 0)
    assert job.errors[-1]["event"] == "retried by ops@simrenew.example"
    run_due()
    assert tasks.calls["bug"] == 2


def test_a_job_whose_worker_died_is_reclaimed_after_its_lease(job_backend) -> None:
    tasks.add.enqueue(20, 22)
    dead_worker = Worker(worker_id="dead-worker")
    job = dead_worker.claim()  # claimed, then the process was killed: nothing more happens
    assert job is not None and job.status == JobStatus.RUNNING

    assert service.reclaim_lost() == 0  # its lease is still running
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        assert run_due() == 1

    job.refresh_from_db()
    assert (job.status, job.attempts, job.return_value) == (JobStatus.SUCCESSFUL, 2, 42)
    assert "lease expired: worker dead-worker stopped while running it" in job.last_error
    assert job.worker_ids[0] == "dead-worker"


def test_a_job_that_keeps_killing_its_worker_ends_dead(job_backend) -> None:
    tasks.add.enqueue(1, 2)
    Job.objects.update(status=JobStatus.RUNNING, attempts=4, lease_until=timezone.now() - timedelta(seconds=1))
    assert service.reclaim_lost() == 1
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert tasks.calls["add"] == 0


def test_a_slow_worker_cannot_overwrite_the_outcome_of_the_worker_that_reclaimed_its_job(job_backend) -> None:
    tasks.add.enqueue(1, 1)
    slow = Worker(worker_id="slow")
    job = slow.claim()
    assert job is not None
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        run_due()  # reclaimed and done by another worker
    slow._failed(job, OperationalError("the slow one lost its connection"))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCESSFUL
    assert job.last_error.startswith("lease expired")


def test_the_worker_waits_for_the_database_instead_of_exiting(job_backend) -> None:
    tasks.add.enqueue(3, 4)
    worker = Worker(batch=True)
    real_claim = worker.claim
    outage = iter([OperationalError("connection refused"), OperationalError("the database system is starting up")])

    def claim_during_a_restart() -> Job | None:
        for exc in outage:
            raise exc
        return real_claim()

    with mock.patch.object(worker, "claim", side_effect=claim_during_a_restart), mock.patch.object(worker.wake, "wait"):
        assert worker.run() == 1
    assert Job.objects.get().status == JobStatus.SUCCESSFUL


def test_old_successful_jobs_are_pruned_and_failed_ones_kept(job_backend) -> None:
    tasks.add.enqueue(1, 1)
    tasks.broken.enqueue("keep")
    run_due()
    run_due()
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        assert service.prune(older_than=timedelta(days=7)) == 1
    assert list(Job.objects.values_list("status", flat=True)) == [JobStatus.FAILED]


def test_the_jobs_command_lists_and_retries_dead_jobs(job_backend, capsys) -> None:
    from django.core.management import call_command

    tasks.broken.enqueue("cli")
    run_due()
    call_command("jobs", "dead")
    assert "jobs.broken attempts=1 ValueError: a bug" in capsys.readouterr().out
    call_command("jobs", "retry", "--all")
    assert "1 job(s) queued again" in capsys.readouterr().out
    assert Job.objects.get().status == JobStatus.READY
    call_command("jobs", "status")
    assert "ready: 1" in capsys.readouterr().out


def test_the_request_id_follows_a_request_into_its_jobs_and_theirs(job_backend) -> None:
    from simrenew.kit import requestid

    tasks.seen_request_ids.clear()
    requestid.bind("req-0123456789abcdef")
    try:
        tasks.note_request_id.enqueue()
    finally:
        requestid.unbind()

    run_due()
    run_due()

    assert tasks.seen_request_ids == ["req-0123456789abcdef", "req-0123456789abcdef"]
    assert set(Job.objects.values_list("request_id", flat=True)) == {"req-0123456789abcdef"}
    assert requestid.current() == requestid.NONE  # the worker unbinds after each job
