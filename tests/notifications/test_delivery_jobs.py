"""Recording a notice and queueing its delivery: with simrenew's database queue, the notices and their
delivery job are written in the caller's transaction (one commit, and a rollback takes both back); a
`delivered_together` block sends all its notices with one job; recording costs the same statements
for one recipient as for three."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from simrenew.jobs.models import Job
from simrenew.jobs.worker import Worker
from simrenew.notifications import delivery
from simrenew.notifications.delivery import Person
from simrenew.notifications.models import Notification, NotificationKind, NotificationStatus, OutboxMessage
from tests.factories import create_brand, create_customer, create_line

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _daytime():
    # SMS wait out the quiet hours (evening and night, Brussels time): these tests count what is sent now.
    with time_machine.travel(datetime(2026, 6, 2, 12, 0, tzinfo=ZoneInfo("Europe/Brussels")), tick=True):
        yield


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "simrenew.jobs.backend.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def line():
    return create_line(create_brand(code="acme", name="Acme Mobile"), msisdn="+32470111222")


def people(count: int) -> list[Person]:
    customers = [create_customer(email=f"p{number}@example.be") for number in range(count)]
    return [Person(customer.pk, customer.email, "en") for customer in customers]


def tell(line, key: str, persons: list[Person]) -> list[Notification]:
    return delivery.notify(
        kind=NotificationKind.LOW_CREDIT, event_key=key, line=line, people=persons, facts={"balance_amount": 120}
    )


def test_the_notices_and_their_delivery_job_commit_together(database_queue, line):
    # Given the database queue
    persons = people(2)

    # When an event is notified in a transaction
    with transaction.atomic():
        created = tell(line, "low:1", persons)
        # Then its delivery job is already written in that same transaction, for all its messages
        [job] = Job.objects.all()
        assert job.task_name == "notifications.deliver_notifications"
        assert sorted(job.args_kwargs["args"][0]) == sorted(row.pk for row in created)
        assert len(created) == 3  # two e-mails and the SMS


def test_a_rollback_takes_back_the_notices_and_their_job(database_queue, line):
    persons = people(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        tell(line, "low:2", persons)
        raise RuntimeError("the caller failed after notifying")
    assert Notification.objects.count() == 0
    assert Job.objects.count() == 0


def test_a_block_delivers_its_notices_with_one_job_that_sends_each_once(database_queue, line):
    # Given three events notified together (as one batch of the scheduler's work)
    persons = people(1)
    with transaction.atomic(), delivery.delivered_together():
        for number in range(3):
            tell(line, f"low:block:{number}", persons)
        assert Job.objects.count() == 0  # queued as the block ends, not per event

    # When the worker runs the one job
    [job] = Job.objects.all()
    assert len(job.args_kwargs["args"][0]) == 6
    assert Worker(batch=True).run() == 1

    # Then every message went out once
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert OutboxMessage.objects.count() == 6
    with transaction.atomic():
        assert tell(line, "low:block:0", persons) == []  # told before: nothing recorded, nothing queued
    assert Job.objects.count() == 1


@pytest.mark.parametrize("count", [1, 3])
def test_recording_an_event_costs_the_same_statements_for_one_recipient_or_three(count, line, database_queue):
    persons = people(count)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        created = tell(line, f"low:cost:{count}", persons)
    assert len(created) == count + 1
    # Their channels, one INSERT of the messages, one INSERT of their delivery job.
    assert len(queries) == 3, "\n".join(query["sql"] for query in queries.captured_queries)


def test_send_due_leaves_a_fresh_notice_to_its_job_and_sends_it_if_the_job_never_ran(
    database_queue, line, time_machine
):
    # Given a notice recorded at 10:00 whose delivery job is lost
    time_machine.move_to("2026-05-04T10:00:00+02:00", tick=False)
    with transaction.atomic():
        [row] = tell(line, "low:lost", [])
    Job.objects.all().delete()

    # When the scheduler's send job runs just after, and again past the grace
    assert delivery.send_due() == 0
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.PENDING
    time_machine.move_to("2026-05-04T10:10:00+02:00", tick=False)

    # Then the safety net sends it, once
    assert delivery.send_due() == 1
    assert delivery.send_due() == 0
    assert OutboxMessage.objects.count() == 1


def test_many_events_are_recorded_in_one_insert_with_one_delivery_job(database_queue, line):
    # Given three events about the line (one of them given twice) and one told before
    persons = people(2)
    tell(line, "low:0", persons)
    Job.objects.all().delete()
    events = [
        delivery.Event(NotificationKind.LOW_CREDIT, key, line, persons, {"balance_amount": 120})
        for key in ("low:1", "low:2", "low:1", "low:0", "low:3")
    ]

    # When they are notified together
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        created = delivery.notify_all(events)

    # Then each new event's messages are recorded once, in the events' order, by one INSERT
    assert [row.event_key for row in created] == ["low:1"] * 3 + ["low:2"] * 3 + ["low:3"] * 3
    table = Notification._meta.db_table
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'INSERT INTO "{table}"')]
    assert len(inserts) == 1
    assert Notification.objects.filter(event_key="low:0").count() == 3  # told before: nothing again
    stored = Notification.objects.get(pk=created[0].pk)
    assert (stored.key, stored.recipient, stored.facts["balance_amount"]) == (created[0].key, "p0@example.be", 120)
    # and one job delivers them all
    [job] = Job.objects.all()
    assert sorted(job.args_kwargs["args"][0]) == sorted(row.pk for row in created)
