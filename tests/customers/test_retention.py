"""The retention job: each kind of record goes once past its keeping time and not a moment before; the
scheduler runs it once an hour."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session

from simrenew.customers import retention
from simrenew.customers.models import LinkChallenge
from simrenew.jobs.models import Job, JobStatus
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.renewals import scheduler
from simrenew.terminals import service as terminals
from simrenew.terminals.models import IdempotentCall, TerminalKind, UsedNonce
from simrenew.throttles.models import Counter
from tests.factories import create_customer, create_line

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def _challenge(expires_at: datetime) -> LinkChallenge:
    return LinkChallenge.objects.create(
        customer=create_customer(),
        line=create_line(),
        code_hash="x",
        created_at=expires_at - timedelta(minutes=10),
        expires_at=expires_at,
    )


def _outbox(created_at: datetime) -> OutboxMessage:
    message = OutboxMessage.objects.create(kind=OutboxKind.EMAIL, recipient="a@example.be", subject="s", body="b")
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=created_at)
    return message


def _job(status: str, finished_at: datetime) -> Job:
    return Job.objects.create(
        task_path="simrenew.test.task",
        status=status,
        run_after=finished_at,
        enqueued_at=finished_at,
        finished_at=finished_at,
    )


def _left(model, rows) -> list:
    return sorted(row.pk for row in rows if model.objects.filter(pk=row.pk).exists())


def test_link_codes_go_an_hour_after_they_expired():
    gone = _challenge(NOW - timedelta(hours=1) - SECOND)
    kept = [_challenge(NOW - timedelta(hours=1)), _challenge(NOW - timedelta(minutes=5)), _challenge(NOW)]
    assert retention.purge_link_codes(at=NOW) == 1
    assert _left(LinkChallenge, [gone, *kept]) == sorted(row.pk for row in kept)


def test_expired_sessions_go():
    Session.objects.create(session_key=uuid.uuid4().hex, session_data="x", expire_date=NOW - SECOND)
    fresh = Session.objects.create(session_key=uuid.uuid4().hex, session_data="x", expire_date=NOW + timedelta(days=1))
    assert retention.purge_sessions() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [fresh.session_key]


def test_dev_outbox_messages_go_after_the_configured_days(settings):
    settings.DEV_OUTBOX_RETENTION_DAYS = 14
    gone = _outbox(NOW - timedelta(days=14) - SECOND)
    kept = _outbox(NOW - timedelta(days=14) + SECOND)
    assert retention.purge_outbox() == 1
    assert _left(OutboxMessage, [gone, kept]) == [kept.pk]


def test_the_whole_purge(settings):
    settings.TERMINAL_MAX_SKEW_SECONDS = 300
    settings.IDEMPOTENCY_RETENTION_DAYS = 30
    settings.JOBS_RETENTION_DAYS = 7
    terminal, _ = terminals.register_terminal(kind=TerminalKind.POS, name="Till 1")
    UsedNonce.objects.create(terminal=terminal, nonce="old", created_at=NOW - timedelta(seconds=601))
    new_nonce = UsedNonce.objects.create(terminal=terminal, nonce="new", created_at=NOW - timedelta(seconds=599))
    for key, at in (("old", NOW - timedelta(days=30, seconds=1)), ("new", NOW - timedelta(days=29))):
        IdempotentCall.objects.create(
            scope=f"terminal:{terminal.pk}",
            terminal=terminal,
            key=key,
            request_hash="h",
            status_code=200,
            body_sealed="x",
            created_at=at,
        )
    jobs = [
        _job(JobStatus.SUCCESSFUL, NOW - timedelta(days=7, seconds=1)),
        _job(JobStatus.SUCCESSFUL, NOW - timedelta(days=6)),
        _job(JobStatus.FAILED, NOW - timedelta(days=70)),  # the dead-letter list stays for staff
    ]
    challenge = _challenge(NOW - timedelta(days=1))
    outbox = _outbox(NOW - timedelta(days=30))
    Counter.objects.create(rule="voucher-pin:account", actor="old", used=5, window_ends=NOW - timedelta(days=2))
    Counter.objects.create(rule="voucher-pin:account", actor="now", used=1, window_ends=NOW + timedelta(minutes=5))

    assert retention.purge(at=NOW) == {
        "link_codes": 1,
        "sessions": 0,
        "outbox": 1,
        "nonces": 1,
        "idempotency": 1,
        "jobs": 1,
        "throttle_windows": 1,
    }
    assert list(Counter.objects.values_list("actor", flat=True)) == ["now"]
    assert list(UsedNonce.objects.values_list("pk", flat=True)) == [new_nonce.pk]
    assert list(IdempotentCall.objects.values_list("key", flat=True)) == ["new"]
    assert _left(Job, jobs) == sorted(job.pk for job in jobs[1:])
    assert not LinkChallenge.objects.filter(pk=challenge.pk).exists()
    assert not OutboxMessage.objects.filter(pk=outbox.pk).exists()


def test_the_scheduler_runs_it_on_the_first_tick_of_each_hour(time_machine):
    def run_at(moment: datetime) -> dict:
        time_machine.move_to(moment, tick=False)
        outcome = scheduler.run_job("privacy.retention")
        assert (outcome.ran, outcome.error) == (True, "")
        return outcome.result

    first = run_at(NOW)
    assert set(first) == {"link_codes", "sessions", "outbox", "nonces", "idempotency", "jobs", "throttle_windows"}
    assert run_at(NOW + timedelta(minutes=1)) == {}
    assert run_at(NOW + timedelta(minutes=59)) == {}
    _challenge(NOW - timedelta(hours=2))
    assert run_at(NOW + timedelta(hours=1))["link_codes"] == 1
    assert run_at(NOW + timedelta(hours=1, minutes=1)) == {}
