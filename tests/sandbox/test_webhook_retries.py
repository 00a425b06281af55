"""A webhook that is not answered with a 2xx is tried again on Mollie's schedule, ten calls in 26 hours;
a delivery job that runs twice (its worker died, the queue ran it again) calls once and retries once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.tasks import TaskResult, task_backends
from django.tasks.backends.dummy import DummyBackend
from django.utils import timezone

from simrenew.kit import clock
from simrenew.sandbox import service, tasks
from simrenew.sandbox.models import SandboxPayment, SandboxWebhookCall
from tests.sandbox.helpers import payment_data

pytestmark = pytest.mark.django_db(transaction=True)

STATUS_CHANGED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Mollie's retry schema, "time after status change (HH:mm)" of attempts 1 to 10.
MOLLIE_SCHEDULE = ["00:00", "00:01", "00:03", "00:07", "00:15", "00:31", "01:00", "02:00", "04:00", "26:00"]


class Worker:
    """Runs the jobs a DummyBackend kept, each once, the earliest due first and at its run_after, as
    `simrenew worker` would."""

    def __init__(self, queue: DummyBackend, time_machine) -> None:
        self.queue = queue
        self.time_machine = time_machine
        self.ran: set[str] = set()

    def run_next(self) -> TaskResult:
        waiting = [job for job in self.queue.results if job.id not in self.ran]
        job = min(waiting, key=lambda job: job.task.run_after or timezone.now())
        self.ran.add(job.id)
        if job.task.run_after is not None:
            self.time_machine.move_to(job.task.run_after, tick=False)
        job.task.call(*job.args, **job.kwargs)
        return job

    def run_all(self) -> None:
        while len(self.ran) < len(self.queue.results):
            self.run_next()


@pytest.fixture
def worker(settings, time_machine) -> Worker:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    queue = task_backends["default"]
    assert isinstance(queue, DummyBackend)
    queue.clear()
    time_machine.move_to(STATUS_CHANGED_AT, tick=False)
    return Worker(queue, time_machine)


def paid_payment(webhook_url: str) -> SandboxPayment:
    payment = service.create_payment(payment_data(webhookUrl=webhook_url))
    return service.set_status(payment.public_id, "paid")


def hhmm(moment: datetime) -> str:
    minutes = int((moment - STATUS_CHANGED_AT).total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def test_a_failing_webhook_is_called_ten_times_in_26_hours_then_given_up(worker, webhook_receiver):
    webhook_receiver.status = 503
    payment = paid_payment(webhook_receiver.url)

    worker.run_all()

    calls = SandboxWebhookCall.objects.filter(payment=payment).order_by("attempt")
    assert [hhmm(call.called_at) for call in calls] == MOLLIE_SCHEDULE
    assert [call.attempt for call in calls] == list(range(1, 11))
    assert {(call.status_change, call.status_code) for call in calls} == {(1, 503)}
    assert len(webhook_receiver.calls) == 10
    assert len(worker.queue.results) == 10  # no eleventh attempt queued


def test_retries_stop_once_the_webhook_answers(worker, webhook_receiver):
    webhook_receiver.status = 500
    payment = paid_payment(webhook_receiver.url)
    for _failing in range(3):
        worker.run_next()

    webhook_receiver.status = 200
    worker.run_all()

    calls = SandboxWebhookCall.objects.filter(payment=payment).order_by("attempt")
    assert [(call.attempt, call.status_code, hhmm(call.called_at)) for call in calls] == [
        (1, 500, "00:00"),
        (2, 500, "00:01"),
        (3, 500, "00:03"),
        (4, 200, "00:07"),
    ]
    assert len(worker.queue.results) == 4


def test_an_unreachable_webhook_is_retried_too(worker, webhook_receiver):
    payment = service.create_payment(payment_data(webhookUrl="http://127.0.0.1:9/unreachable/"))
    service.set_status(payment.public_id, "paid")

    worker.run_next()

    call = SandboxWebhookCall.objects.get()
    assert call.status_code is None
    assert call.error.startswith("ConnectionError")
    retry = worker.queue.results[-1]
    assert retry.kwargs == {"status_change": 1, "attempt": 2}
    assert retry.task.run_after == STATUS_CHANGED_AT + timedelta(minutes=1)


def test_a_failed_attempt_run_again_neither_calls_again_nor_queues_a_second_retry(worker, webhook_receiver):
    webhook_receiver.status = 503
    paid_payment(webhook_receiver.url)
    first = worker.run_next()
    assert len(worker.queue.results) == 2  # attempt 2 queued with the record of attempt 1

    # The worker died after committing; the queue hands the same job to another worker.
    first.task.call(*first.args, **first.kwargs)

    assert len(webhook_receiver.calls) == 1
    assert SandboxWebhookCall.objects.count() == 1
    assert [job.kwargs for job in worker.queue.results] == [
        {"status_change": 1},
        {"status_change": 1, "attempt": 2},
    ]


def test_a_delivered_attempt_run_again_is_not_called_again(worker, webhook_receiver):
    paid_payment(webhook_receiver.url)
    first = worker.run_next()

    first.task.call(*first.args, **first.kwargs)

    assert len(webhook_receiver.calls) == 1
    assert SandboxWebhookCall.objects.get().status_code == 200
    assert len(worker.queue.results) == 1


def test_a_run_that_dies_before_queueing_the_retry_leaves_no_record(worker, webhook_receiver, monkeypatch):
    webhook_receiver.status = 503
    paid_payment(webhook_receiver.url)
    retry = tasks._retry

    def die(call: SandboxWebhookCall) -> None:
        raise SystemExit("worker killed")

    monkeypatch.setattr(tasks, "_retry", die)
    with pytest.raises(SystemExit):
        worker.run_next()
    assert not SandboxWebhookCall.objects.exists()  # so a re-run makes the attempt again

    monkeypatch.setattr(tasks, "_retry", retry)
    job = worker.queue.results[0]
    job.task.call(*job.args, **job.kwargs)

    assert len(webhook_receiver.calls) == 2
    assert SandboxWebhookCall.objects.count() == 1
    assert [job.kwargs for job in worker.queue.results] == [
        {"status_change": 1},
        {"status_change": 1, "attempt": 2},
    ]


def test_two_runs_of_one_attempt_at_once_queue_one_retry(worker, webhook_receiver, monkeypatch):
    webhook_receiver.status = 503
    payment = paid_payment(webhook_receiver.url)
    post = tasks._post

    def post_while_another_run_records(target: SandboxPayment) -> tuple[int | None, str]:
        answer = post(target)
        # The other run of the same job finished its call first and recorded it (with its retry).
        SandboxWebhookCall.objects.create(
            payment=payment, url=payment.webhook_url, status_change=1, attempt=1, status_code=503, called_at=clock.now()
        )
        return answer

    monkeypatch.setattr(tasks, "_post", post_while_another_run_records)

    worker.run_next()

    assert SandboxWebhookCall.objects.count() == 1
    assert len(worker.queue.results) == 1  # the run that lost the race queued nothing


def test_a_later_status_change_is_delivered_while_an_earlier_one_is_retried(worker, webhook_receiver):
    webhook_receiver.status = 503
    payment = service.create_payment(payment_data(method="banktransfer", webhookUrl=webhook_receiver.url))
    service.set_status(payment.public_id, "pending")
    worker.run_next()  # change 1, attempt 1 fails; attempt 2 is queued for a minute later

    webhook_receiver.status = 200
    service.set_status(payment.public_id, "paid")
    worker.run_all()

    calls = SandboxWebhookCall.objects.order_by("pk")
    assert [(call.status_change, call.attempt, call.status_code) for call in calls] == [
        (1, 1, 503),
        (2, 1, 200),
        (1, 2, 200),
    ]


def test_retries_run_by_the_real_clock_while_the_demo_clock_is_ahead(worker, webhook_receiver, settings, tmp_path):
    settings.DEMO_CLOCK = True
    settings.DEMO_CLOCK_FILE = str(tmp_path / "demo-clock.json")
    clock.set_demo_offset(timedelta(days=8))
    webhook_receiver.status = 503
    paid_payment(webhook_receiver.url)

    worker.run_next()

    assert SandboxWebhookCall.objects.get().called_at == STATUS_CHANGED_AT + timedelta(days=8)
    assert worker.queue.results[-1].task.run_after == timezone.now() + timedelta(minutes=1)
