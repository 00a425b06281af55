"""The scheduler: watermarks and leases, catching up after downtime exactly once, `--once`/`--at`, and
the demo clock that moves time for every process."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from simrenew.kit import clock
from simrenew.lines.models import LineStatus, PeriodStatus
from simrenew.notifications.models import Channel, NotificationKind
from simrenew.orders.models import Order
from simrenew.renewals import jobs, scheduler
from simrenew.renewals.management.commands.demo_clock import parse_duration
from simrenew.renewals.models import JobWatermark
from tests.factories import create_brand, create_bundle, create_customer, create_line, create_order, link
from tests.lifecycle import kinds_sent, sent
from tests.renewals.subscribers import subscriber

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
T0 = datetime(2026, 5, 4, 10, 0, tzinfo=BRUSSELS)


def test_each_job_keeps_a_watermark_and_moves_it_only_when_it_succeeded(time_machine, run_tick, monkeypatch):
    time_machine.move_to(T0, tick=False)
    run_tick()
    names = [name for name, _ in jobs.JOBS]
    assert set(JobWatermark.objects.values_list("name", flat=True)) == set(names)
    assert set(JobWatermark.objects.values_list("done_until", flat=True)) == {T0}

    def broken(since, until):
        raise RuntimeError("database went away")

    monkeypatch.setattr(
        scheduler, "JOBS", [(n, broken if n == "notifications.low_credit" else f) for n, f in jobs.JOBS]
    )
    time_machine.move_to(T0 + timedelta(minutes=1), tick=False)
    outcomes = {o.name: o for o in scheduler.tick()}
    assert outcomes["notifications.low_credit"].error == "RuntimeError"
    assert outcomes["notifications.renewed"].error == ""  # the others still ran
    failed = JobWatermark.objects.get(name="notifications.low_credit")
    assert (failed.done_until, failed.lease_until) == (T0, None)
    assert "database went away" in failed.last_error
    assert JobWatermark.objects.get(name="notifications.renewed").done_until == T0 + timedelta(minutes=1)


def test_a_running_job_is_not_run_twice_and_a_dead_runs_lease_expires(time_machine):
    time_machine.move_to(T0, tick=False)
    scheduler.run_job("notifications.send")
    JobWatermark.objects.filter(name="notifications.send").update(
        lease_until=timezone.now() + timedelta(minutes=10), lease_owner="other-host:1"
    )
    assert scheduler.run_job("notifications.send").ran is False
    time_machine.move_to(T0 + timedelta(minutes=11), tick=False)
    assert scheduler.run_job("notifications.send").ran is True


def test_after_days_down_everything_due_happens_once_and_only_the_latest_news_goes(time_machine, run_tick):
    time_machine.move_to(T0, tick=False)
    # A bundle ending in 3 days (its 7-day reminder fell due before; the 1-day one falls due while down)...
    sub = subscriber(ends_at=T0 + timedelta(days=3), credit=0, auto_renew=False)
    # ...and a line whose credit validity lapses while down, and whose grace ends in that time too.
    brand = create_brand(grace_days=1)
    lapsing = create_line(brand, credit=800, credit_expires_at=T0 + timedelta(hours=6))
    customer = create_customer(email="lapsing@example.be")
    link(customer, lapsing)
    run_tick()
    assert [n.event_key for n in sent(NotificationKind.EXPIRING_SOON, Channel.SMS)] == [f"expiring:{sub.period.pk}:7"]

    time_machine.move_to(T0 + timedelta(days=5), tick=False)  # down for five days
    run_tick()
    run_tick()

    sub.period.refresh_from_db()
    assert sub.period.status == PeriodStatus.EXPIRED
    # The 1-day reminder fell due while down, but so did the end: only "ended" is told, once.
    assert [n.event_key for n in sent(NotificationKind.EXPIRING_SOON, Channel.SMS)] == [f"expiring:{sub.period.pk}:7"]
    assert len(sent(NotificationKind.EXPIRED, Channel.SMS)) == 1
    lapsing.refresh_from_db()
    assert lapsing.status == LineStatus.SUSPENDED
    # Gone through grace and suspension while down: told where it is now, once.
    assert kinds_sent(lapsing) == [
        (NotificationKind.CREDIT_ENDING, Channel.EMAIL),  # before the stop
        (NotificationKind.CREDIT_ENDING, Channel.SMS),
        (NotificationKind.LINE_SUSPENDED, Channel.EMAIL),
        (NotificationKind.LINE_SUSPENDED, Channel.SMS),
    ]
    assert "€8.00" in sent(NotificationKind.LINE_SUSPENDED, Channel.EMAIL)[0].body


def test_the_command_runs_one_tick_at_a_given_time(time_machine):
    time_machine.move_to(T0, tick=False)
    sub = subscriber(ends_at=T0 + timedelta(days=2), credit=2000)
    out = io.StringIO()
    at = T0 + timedelta(days=2) - timedelta(minutes=20)
    call_command("scheduler", "--once", "--at", at.isoformat(), stdout=out)
    assert "renewals.auto_renew: ok" in out.getvalue()
    order = Order.objects.get()
    assert order.created_at == at  # the tick ran with the clock at --at
    assert sub.line.periods.filter(order_id=order.pk).exists()
    with pytest.raises(CommandError):
        call_command("scheduler", "--once", "--at", "tomorrow")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8d", timedelta(days=8)), ("12h", timedelta(hours=12)), ("1d12h", timedelta(days=1, hours=12)),
     ("2w", timedelta(weeks=2)), ("90m", timedelta(minutes=90))],
)  # fmt: skip
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    # Another script's digits (int() reads them), more digits than a part takes, further than a date goes.
    ["", "8", "d8", "8x", "-1d", "8d junk", "\u0668d", "\uff18d", "9999999d", "999999w" * 200],
)
def test_bad_durations(text):
    with pytest.raises(CommandError):
        parse_duration(text)


def test_the_demo_clock_moves_time_for_every_process_only_in_the_demo(settings, tmp_path, time_machine):
    time_machine.move_to(T0, tick=False)
    settings.DEMO_CLOCK_FILE = str(tmp_path / "demo-clock.json")
    settings.DEMO_CLOCK = False
    with pytest.raises(CommandError, match="DEMO_CLOCK"):
        call_command("demo_clock", "advance", "8d", "--no-tick", stdout=io.StringIO())
    assert clock.now() == T0

    settings.DEMO_CLOCK = True
    call_command("demo_clock", "advance", "8d", "--no-tick", stdout=io.StringIO())
    assert clock.now() == T0 + timedelta(days=8)
    assert (tmp_path / "demo-clock.json").exists()  # what the web server and the worker read
    call_command("demo_clock", "advance", "12h", "--no-tick", stdout=io.StringIO())
    assert clock.now() == T0 + timedelta(days=8, hours=12)
    with clock.pinned(T0):
        assert clock.now() == T0

    settings.PRODUCTION = True  # never in production, whatever DEMO_CLOCK says
    assert clock.now() == T0
    with pytest.raises(CommandError):
        call_command("demo_clock", "advance", "1d", "--no-tick", stdout=io.StringIO())
    settings.PRODUCTION = False
    call_command("demo_clock", "reset", stdout=io.StringIO())
    assert clock.now() == T0


def test_advancing_the_demo_clock_runs_a_tick(settings, tmp_path, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(T0, tick=False)
    settings.DEMO_CLOCK, settings.DEMO_CLOCK_FILE = True, str(tmp_path / "clock.json")
    brand = create_brand()
    line = create_line(brand, credit=2000)
    create_order(line=line, product=create_bundle(brand, price_amount=1000), method="credit")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_clock", "advance", "31d", stdout=out)
    assert "lines.bundle_periods: ok" in out.getvalue()
    assert line.periods.get().status == PeriodStatus.EXPIRED
