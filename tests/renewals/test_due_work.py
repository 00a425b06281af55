"""What the jobs select as due, now that they read what is due rather than every line: a renewal left
behind by a failed run is still made, a credit reminder goes out when a failed renewal stops covering
the validity, data warnings follow a larger allowance, and one failing line does not hold back the
others of its batch."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from simrenew.lines import lifecycle
from simrenew.lines import service as lines
from simrenew.lines.models import PeriodStatus
from simrenew.notifications.models import Channel, NotificationKind
from simrenew.orders.models import Order
from simrenew.renewals import jobs, notices, scheduler
from simrenew.renewals.models import AttemptStatus, JobWatermark, RenewalAttempt
from tests.factories import create_brand, create_bundle, create_line
from tests.lifecycle import kinds_sent, sent, tick
from tests.renewals.subscribers import subscriber

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
T0 = datetime(2026, 5, 4, 10, 0, tzinfo=BRUSSELS)
K = NotificationKind


def test_a_period_that_ended_while_auto_renew_failed_is_renewed_on_the_next_good_run(time_machine, monkeypatch):
    # Given a subscriber whose bundle ends at T0 + 30 min, and a scheduler that ran fine until T0 - 2 h
    time_machine.move_to(T0 - timedelta(hours=2), tick=False)
    sub = subscriber(ends_at=T0 + timedelta(minutes=30), credit=3000)
    tick()

    # When auto-renew fails on every tick around the end, while the other jobs end the period
    def broken(since, until):
        raise RuntimeError("provider down")

    working = list(jobs.JOBS)
    monkeypatch.setattr(scheduler, "JOBS", [(n, broken if n == "renewals.auto_renew" else f) for n, f in working])
    for minutes in (0, 40):
        time_machine.move_to(T0 + timedelta(minutes=minutes), tick=False)
        outcomes = {outcome.name: outcome for outcome in scheduler.tick()}
        assert outcomes["renewals.auto_renew"].error == "RuntimeError"
    sub.period.refresh_from_db()
    assert sub.period.status == PeriodStatus.EXPIRED
    assert RenewalAttempt.objects.count() == 0

    # Then the next good run renews it, once (its watermark stayed at the last good run)
    monkeypatch.setattr(scheduler, "JOBS", working)
    time_machine.move_to(T0 + timedelta(minutes=45), tick=False)
    assert tick()["renewals.auto_renew"] == {"created": 1, "succeeded": 1}
    time_machine.move_to(T0 + timedelta(minutes=46), tick=False)
    assert tick()["renewals.auto_renew"] == {"created": 0}
    attempt = RenewalAttempt.objects.get()
    assert (attempt.period_id, attempt.status) == (sub.period.pk, AttemptStatus.SUCCEEDED)
    assert Order.objects.count() == 1


def test_a_failed_renewal_that_stops_covering_the_credit_validity_brings_its_reminder(time_machine):
    # Given auto-renew on without credit, the bundle ending in 2 hours and the credit validity in 20
    # days: the renewal would keep the credit valid, so nobody is warned about the validity
    time_machine.move_to(T0, tick=False)
    sub = subscriber(ends_at=T0 + timedelta(hours=2), credit=0)
    sub.line.credit_expires_at = T0 + timedelta(days=20)
    sub.line.save(update_fields=["credit_expires_at"])
    tick()
    assert kinds_sent(sub.line) == [(K.EXPIRING_SOON, Channel.EMAIL), (K.EXPIRING_SOON, Channel.SMS)]

    # When the renewal fails (no credit, no saved card) and the bundle then ends
    time_machine.move_to(T0 + timedelta(hours=1, minutes=30), tick=False)
    tick()
    time_machine.move_to(T0 + timedelta(hours=2, minutes=30), tick=False)
    tick()
    time_machine.move_to(T0 + timedelta(hours=2, minutes=31), tick=False)
    tick()

    # Then the credit validity's 30-day reminder goes out once, after the bundle ended
    assert kinds_sent(sub.line)[2:] == [
        (K.AUTO_RENEW_FAILED, Channel.EMAIL),
        (K.AUTO_RENEW_FAILED, Channel.SMS),
        (K.EXPIRED, Channel.EMAIL),
        (K.EXPIRED, Channel.SMS),
        (K.CREDIT_ENDING, Channel.EMAIL),
        (K.CREDIT_ENDING, Channel.SMS),
    ]
    assert sent(K.CREDIT_ENDING, Channel.SMS)[0].event_key == notices.credit_ending_key(
        sub.line.pk, T0 + timedelta(days=20), 30
    )


def test_a_reminder_falls_due_when_the_time_left_crosses_a_reminder_day(time_machine):
    # Given a bundle ending in 7 days and 2 hours, after a first run
    time_machine.move_to(T0, tick=False)
    sub = subscriber(ends_at=T0 + timedelta(days=7, hours=2), credit=0, auto_renew=False)
    tick()
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    tick()
    assert sent(K.EXPIRING_SOON) == []

    # When the scheduler was down while the time left went below 7 days
    time_machine.move_to(T0 + timedelta(hours=5), tick=False)
    tick()
    tick()

    # Then the 7-day reminder goes out, once
    assert [n.event_key for n in sent(K.EXPIRING_SOON, Channel.SMS)] == [f"expiring:{sub.period.pk}:7"]


def test_data_warnings_follow_an_allowance_grown_by_rollover(time_machine):
    # Given a bundle of 1000 MB that rolls over, 600 MB left, and the next one queued behind it
    time_machine.move_to(T0, tick=False)
    brand = create_brand()
    bundle = create_bundle(brand, data_mb=1000, validity_days=30)
    bundle.allowances_roll_over = True
    bundle.save()
    line = create_line(brand)
    with transaction.atomic():
        locked = lines.lock_line(line.pk)
        first = lines.add_bundle_period(line=locked, product=bundle, order_id=None, at=T0)
        second = lines.add_bundle_period(line=locked, product=bundle, order_id=None, at=T0)
        lifecycle.record_data_use(line=locked, data_mb=400)
    assert (first.data_alert_at_mb, second.data_alert_at_mb) == (200, 200)

    # When the first ends: the second starts with 1600 MB, and 80 % of it is used
    time_machine.move_to(T0 + timedelta(days=30), tick=False)
    tick()
    second.refresh_from_db()
    assert (second.status, second.data_mb_left, second.data_alert_at_mb) == (PeriodStatus.ACTIVE, 1600, 320)
    with transaction.atomic():
        lifecycle.record_data_use(line=lines.lock_line(line.pk), data_mb=1270)
    tick()
    assert sent(K.DATA_80) == []  # 330 MB left: not yet 80 % of 1600

    with transaction.atomic():
        lifecycle.record_data_use(line=lines.lock_line(line.pk), data_mb=10)
    tick()
    tick()

    # Then the 80 % warning goes out once, and the next falls due when nothing is left
    assert [n.event_key for n in sent(K.DATA_80)] == [f"data80:{second.pk}"]
    second.refresh_from_db()
    assert (second.data_alert_level, second.data_alert_at_mb) == (80, 0)


def test_one_failing_line_does_not_hold_back_the_others_of_its_batch(time_machine, monkeypatch):
    # Given three bundles that ended, and telling the second line fails
    time_machine.move_to(T0, tick=False)
    subs = [
        subscriber(ends_at=T0 + timedelta(hours=1), credit=0, auto_renew=False, email=f"sub{number}@example.be")
        for number in range(3)
    ]
    tick()
    told = notices.period_ended_event

    def fails_for_the_second(period):
        if period.line_id == subs[1].line.pk:
            raise RuntimeError("template missing")
        return told(period)

    monkeypatch.setattr(notices, "period_ended_event", fails_for_the_second)

    # When the scheduler ticks after the end
    time_machine.move_to(T0 + timedelta(hours=2), tick=False)
    outcome = scheduler.run_job("lines.bundle_periods")

    # Then the others ended and were told; the second waits for the next run, and the watermark too
    assert outcome.result == {"periods_ended": 2, "errors": 1}
    states = [sub.line.periods.get().status for sub in subs]
    assert states == [PeriodStatus.EXPIRED, PeriodStatus.ACTIVE, PeriodStatus.EXPIRED]
    assert [len(sent(K.EXPIRED, line=sub.line)) for sub in subs] == [2, 0, 2]
    assert JobWatermark.objects.get(name="lines.bundle_periods").done_until == T0

    monkeypatch.setattr(notices, "period_ended_event", told)
    time_machine.move_to(T0 + timedelta(hours=2, minutes=1), tick=False)
    assert scheduler.run_job("lines.bundle_periods").result == {"periods_ended": 1}
    assert [len(sent(K.EXPIRED, line=sub.line)) for sub in subs] == [2, 2, 2]
