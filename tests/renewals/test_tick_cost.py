"""A scheduler tick costs what is due, not what exists: with nothing due it runs the same statements for
10 lines as for 50, and each thing due adds a few statements (pinned here, so that a job going back to
one query per line, or per candidate, fails `make test` with the statements it ran)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from simrenew.lines import lifecycle
from simrenew.lines import service as lines
from simrenew.notifications.models import NotificationKind
from simrenew.renewals import jobs, scheduler
from simrenew.renewals import service as renewals
from simrenew.renewals.models import JobWatermark
from tests.factories import create_brand, create_bundle, create_customer, create_line, link
from tests.lifecycle import sent, tick

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
T0 = datetime(2026, 5, 4, 10, 0, tzinfo=BRUSSELS)
# Every job's bookkeeping (watermark, lease) and its one "what is due?" query per kind of work.
IDLE_TICK_BUDGET = 150
# One INSERT of its e-mail and SMS; the period, whom to tell and their choices are read per batch.
REMINDER_BUDGET = 2


@pytest.fixture
def brand():
    return create_brand(code="acme", name="Acme Mobile", reminder_days="7,1")


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, price_amount=1500, data_mb=1000, validity_days=30)


def add_lines(
    brand, bundle, count: int, *, ends_at: datetime, credit_for: timedelta, data_used_mb: int, auto_renew: bool
) -> None:
    """`count` linked lines with credit valid for `credit_for`, a bundle ending at `ends_at` with
    `data_used_mb` of its 1000 MB used, and auto-renew on for every other one if `auto_renew`."""
    for number in range(count):
        line = create_line(brand, credit=2000, credit_expires_at=T0 + credit_for + timedelta(minutes=number))
        customer = create_customer()
        link(customer, line)
        with transaction.atomic():
            locked = lines.lock_line(line.pk)
            lines.add_bundle_period(line=locked, product=bundle, order_id=None, at=ends_at - timedelta(days=30))
            lifecycle.record_data_use(line=locked, data_mb=data_used_mb)
            if auto_renew and number % 2 == 0:
                renewals.set_auto_renew(line=line, customer=customer, enabled=True)


def statements_of_a_tick() -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        tick()
    return [query["sql"] for query in queries.captured_queries]


def statements_of_job(name: str) -> list[str]:
    """One job's run (the rest of the tick runs first, so only this job's work is left)."""
    for other, _ in jobs.JOBS[: [job for job, _ in jobs.JOBS].index(name)]:
        assert not scheduler.run_job(other).error
    with CaptureQueriesContext(connection) as queries:
        outcome = scheduler.run_job(name)
    assert outcome.ran and not outcome.error
    return [query["sql"] for query in queries.captured_queries]


def test_an_idle_tick_runs_the_same_statements_for_10_lines_as_for_50(brand, bundle, time_machine):
    # Given 10 lines already told what is coming (their bundle ends in 5 days, their credit validity in
    # 20, 85 % of their data is used), so that nothing is due on the next tick
    time_machine.move_to(T0, tick=False)
    told = {"ends_at": T0 + timedelta(days=5), "credit_for": timedelta(days=20), "data_used_mb": 850}
    add_lines(brand, bundle, 10, auto_renew=True, **told)
    tick()
    # Each told its bundle ends (e-mail, SMS) and of 80 % data used (SMS); those without auto-renew that
    # their credit validity ends (e-mail, SMS).
    assert len(sent()) == 10 * 3 + 5 * 2
    time_machine.move_to(T0 + timedelta(minutes=1), tick=False)
    with_10 = statements_of_a_tick()

    # When there are 40 such lines more (told by a first run again: reminders fall due as the time
    # left crosses a reminder day, and these lines were created past those days)
    add_lines(brand, bundle, 40, auto_renew=True, **told)
    JobWatermark.objects.update(done_until=None)
    time_machine.move_to(T0 + timedelta(minutes=2), tick=False)
    tick()
    assert len(sent()) == 50 * 3 + 25 * 2
    time_machine.move_to(T0 + timedelta(minutes=3), tick=False)
    with_50 = statements_of_a_tick()

    # Then an idle tick runs as many statements, and few: nothing is read per line
    assert len(with_50) == len(with_10), "\n".join(with_50)
    assert len(with_50) <= IDLE_TICK_BUDGET, "\n".join(with_50)
    assert len(sent()) == 50 * 3 + 25 * 2


def test_each_reminder_due_costs_a_few_statements(brand, bundle, time_machine):
    # Given 5 bundles that reach the 7-day mark within the first hour, and 15 within the next three
    time_machine.move_to(T0, tick=False)
    far = {"credit_for": timedelta(days=200), "data_used_mb": 100, "auto_renew": False}
    add_lines(brand, bundle, 5, ends_at=T0 + timedelta(days=7, minutes=30), **far)
    add_lines(brand, bundle, 15, ends_at=T0 + timedelta(days=7, hours=3), **far)
    tick()
    assert sent() == []

    # When the reminders run after each group reached the mark
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    five = statements_of_job("notifications.reminders")
    time_machine.move_to(T0 + timedelta(hours=4), tick=False)
    fifteen = statements_of_job("notifications.reminders")

    # Then each bundle is told once (an e-mail and an SMS), and each costs a few statements
    assert len(sent(NotificationKind.EXPIRING_SOON)) == 2 * 20
    assert (len(fifteen) - len(five)) / 10 <= REMINDER_BUDGET, "\n".join(fifteen)


def test_period_ends_cost_the_same_statements_for_5_lines_as_for_20(brand, bundle, time_machine):
    # Given 5 bundles that end within the first hour and 20 within the next three, nothing after them
    time_machine.move_to(T0, tick=False)
    far = {"credit_for": timedelta(days=200), "data_used_mb": 100, "auto_renew": False}
    add_lines(brand, bundle, 5, ends_at=T0 + timedelta(minutes=30), **far)
    add_lines(brand, bundle, 20, ends_at=T0 + timedelta(hours=3), **far)
    tick()

    # When the periods job runs after each group ended
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    five = statements_of_job("lines.bundle_periods")
    time_machine.move_to(T0 + timedelta(hours=4), tick=False)
    twenty = statements_of_job("lines.bundle_periods")

    # Then every one ended and was told once (an e-mail and an SMS), and a batch of 20 sends what a
    # batch of 5 does: its lines locked, their periods read, the expiries and the notices a statement each
    assert len(sent(NotificationKind.EXPIRED)) == 2 * 25
    assert len(twenty) == len(five), "\n".join(twenty)
