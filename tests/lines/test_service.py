"""lines.service: when a bought bundle starts, and how long credit stays valid."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from simrenew.lines import queries
from simrenew.lines import service as lines
from simrenew.lines.errors import LineNotUsable, WrongBrandProduct
from simrenew.lines.models import BundlePeriod, Line, LineStatus, PeriodStatus
from tests.factories import create_brand, create_bundle, create_line, create_topup_product

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def brand():
    return create_brand(credit_validity_days=365)


@pytest.fixture
def line(brand):
    return create_line(brand)


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, price_amount=1500, data_mb=8192, voice_minutes=300, validity_days=30)


def _states(line: Line) -> list[tuple[str, datetime, datetime]]:
    return list(line.periods.order_by("starts_at", "id").values_list("status", "starts_at", "ends_at"))


# --- Bundle periods -------------------------------------------------------------------------


def test_without_a_current_bundle_a_new_one_starts_now(line, bundle):
    with time_machine.travel(T0, tick=False):
        period = lines.add_bundle_period(line=line, product=bundle, order_id=1)
    assert period.status == PeriodStatus.ACTIVE
    assert period.starts_at == T0
    assert period.ends_at == T0 + timedelta(days=30)
    assert (period.data_mb_left, period.voice_minutes_left, period.sms_left) == (8192, 300, None)
    assert period.order_id == 1


def test_with_allowance_left_a_renewal_is_queued_at_the_current_end(line, bundle):
    # given a bundle bought ten days ago with data left
    with time_machine.travel(T0, tick=False):
        current = lines.add_bundle_period(line=line, product=bundle, order_id=1)
    # when another is bought now
    with time_machine.travel(T0 + timedelta(days=10), tick=False):
        queued = lines.add_bundle_period(line=line, product=bundle, order_id=2)
        # then it waits for the current one to end
        assert queries.current_period(line).pk == current.pk
        assert [p.pk for p in queries.queued_periods(line)] == [queued.pk]
    assert queued.status == PeriodStatus.QUEUED
    assert queued.starts_at == T0 + timedelta(days=30)
    assert queued.ends_at == T0 + timedelta(days=60)
    current.refresh_from_db()
    assert current.status == PeriodStatus.ACTIVE
    assert current.ends_at == T0 + timedelta(days=30)


def test_two_renewals_queue_back_to_back(line, bundle):
    with time_machine.travel(T0, tick=False):
        lines.add_bundle_period(line=line, product=bundle, order_id=1)
        lines.add_bundle_period(line=line, product=bundle, order_id=2)
        lines.add_bundle_period(line=line, product=bundle, order_id=3)
    assert _states(line) == [
        (PeriodStatus.ACTIVE, T0, T0 + timedelta(days=30)),
        (PeriodStatus.QUEUED, T0 + timedelta(days=30), T0 + timedelta(days=60)),
        (PeriodStatus.QUEUED, T0 + timedelta(days=60), T0 + timedelta(days=90)),
    ]


def test_an_exhausted_bundle_ends_now_and_the_new_one_starts_now(line, bundle):
    # given a current bundle whose data is used up, five days in
    with time_machine.travel(T0, tick=False):
        current = lines.add_bundle_period(line=line, product=bundle, order_id=1)
    BundlePeriod.objects.filter(pk=current.pk).update(data_mb_left=0)
    now = T0 + timedelta(days=5)
    # when a renewal is bought
    with time_machine.travel(now, tick=False):
        renewal = lines.add_bundle_period(line=line, product=bundle, order_id=2)
    # then the old one ends now and the new one runs from now
    current.refresh_from_db()
    assert (current.status, current.ends_at) == (PeriodStatus.EXPIRED, now)
    assert (renewal.status, renewal.starts_at, renewal.ends_at) == (
        PeriodStatus.ACTIVE,
        now,
        now + timedelta(days=30),
    )


def test_an_exhausted_bundle_with_one_queued_hands_over_now_and_the_new_one_queues_after(line, bundle):
    # given a current bundle and one already queued behind it
    with time_machine.travel(T0, tick=False):
        current = lines.add_bundle_period(line=line, product=bundle, order_id=1)
        queued = lines.add_bundle_period(line=line, product=bundle, order_id=2)
    assert (queued.status, queued.starts_at) == (PeriodStatus.QUEUED, T0 + timedelta(days=30))
    # when the current one's data runs out five days in and another renewal is bought
    BundlePeriod.objects.filter(pk=current.pk).update(data_mb_left=0)
    now = T0 + timedelta(days=5)
    with time_machine.travel(now, tick=False):
        third = lines.add_bundle_period(line=line, product=bundle, order_id=3)
    # then the queued one runs from now (no gap without a bundle) and the new one follows it
    current.refresh_from_db()
    queued.refresh_from_db()
    assert (current.status, current.ends_at) == (PeriodStatus.EXPIRED, now)
    assert (queued.status, queued.starts_at, queued.ends_at) == (PeriodStatus.ACTIVE, now, now + timedelta(days=30))
    assert (third.status, third.starts_at, third.ends_at) == (
        PeriodStatus.QUEUED,
        now + timedelta(days=30),
        now + timedelta(days=60),
    )


def test_a_bundle_with_every_limited_allowance_used_up_is_exhausted(brand, line):
    voice_only = create_bundle(brand, data_mb=None, voice_minutes=100, sms_count=50)
    with time_machine.travel(T0, tick=False):
        current = lines.add_bundle_period(line=line, product=voice_only, order_id=1)
    BundlePeriod.objects.filter(pk=current.pk).update(voice_minutes_left=0, sms_left=0)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        renewal = lines.add_bundle_period(line=line, product=voice_only, order_id=2)
    assert renewal.starts_at == T0 + timedelta(days=1)
    assert renewal.status == PeriodStatus.ACTIVE


def test_unlimited_or_partly_used_bundles_are_not_exhausted(brand, line):
    unlimited = create_bundle(brand, data_mb=None, voice_minutes=None, sms_count=None)
    partly = create_bundle(brand, data_mb=1024, voice_minutes=0, sms_count=None)
    with time_machine.travel(T0, tick=False):
        first = lines.add_bundle_period(line=line, product=unlimited, order_id=1)
    assert first.is_exhausted is False
    period = BundlePeriod(line=line, product=partly, data_mb_left=10, voice_minutes_left=0, sms_left=None)
    assert period.is_exhausted is False


def test_after_the_current_bundle_expired_a_new_one_starts_now(line, bundle):
    # given a bundle that ended yesterday (still marked active: no job has run since)
    with time_machine.travel(T0, tick=False):
        old = lines.add_bundle_period(line=line, product=bundle, order_id=1)
    now = T0 + timedelta(days=31)
    with time_machine.travel(now, tick=False):
        assert queries.current_period(line) is None
        # when a renewal is bought
        renewal = lines.add_bundle_period(line=line, product=bundle, order_id=2)
    # then the old one is expired and the new one starts now
    old.refresh_from_db()
    assert old.status == PeriodStatus.EXPIRED
    assert old.ends_at == T0 + timedelta(days=30)
    assert (renewal.status, renewal.starts_at) == (PeriodStatus.ACTIVE, now)


def test_expire_ended_periods_activates_a_queued_period_when_it_is_due(line, bundle):
    with time_machine.travel(T0, tick=False):
        lines.add_bundle_period(line=line, product=bundle, order_id=1)
        queued = lines.add_bundle_period(line=line, product=bundle, order_id=2)
    lines.expire_ended_periods(line=line, at=T0 + timedelta(days=30))
    queued.refresh_from_db()
    assert queued.status == PeriodStatus.ACTIVE
    assert list(line.periods.values_list("status", flat=True).order_by("starts_at")) == [
        PeriodStatus.EXPIRED,
        PeriodStatus.ACTIVE,
    ]


def test_a_product_of_another_brand_is_refused(line):
    other = create_bundle(create_brand())
    with pytest.raises(WrongBrandProduct):
        lines.add_bundle_period(line=line, product=other, order_id=1)
    assert line.periods.count() == 0


def test_a_topup_product_is_not_a_bundle(brand, line):
    with pytest.raises(WrongBrandProduct):
        lines.add_bundle_period(line=line, product=create_topup_product(brand), order_id=1)
    assert line.periods.count() == 0


def test_a_terminated_line_gets_no_bundle(brand, bundle):
    line = create_line(brand, status=LineStatus.TERMINATED)
    with pytest.raises(LineNotUsable):
        lines.add_bundle_period(line=line, product=bundle, order_id=1)
    assert line.periods.count() == 0


# --- Credit validity ------------------------------------------------------------------------


def test_a_topup_makes_credit_valid_for_the_brands_days_from_now(line):
    with time_machine.travel(T0, tick=False):
        expiry = lines.extend_credit_validity(line=line)
    line.refresh_from_db()
    assert expiry == T0 + timedelta(days=365)
    assert line.credit_expires_at == T0 + timedelta(days=365)


def test_credit_validity_uses_the_brands_own_days():
    line = create_line(create_brand(credit_validity_days=90))
    with time_machine.travel(T0, tick=False):
        assert lines.extend_credit_validity(line=line) == T0 + timedelta(days=90)


def test_credit_validity_is_pushed_later_by_a_later_topup(line):
    line.credit_expires_at = T0 + timedelta(days=10)
    line.save()
    with time_machine.travel(T0, tick=False):
        lines.extend_credit_validity(line=line)
    line.refresh_from_db()
    assert line.credit_expires_at == T0 + timedelta(days=365)


def test_credit_validity_is_never_shortened(line):
    # given credit valid for two more years (e.g. set by an operator)
    far = T0 + timedelta(days=730)
    line.credit_expires_at = far
    line.save()
    # when a top-up happens
    with time_machine.travel(T0, tick=False):
        expiry = lines.extend_credit_validity(line=line)
    # then the expiry stays where it was
    line.refresh_from_db()
    assert expiry == far
    assert line.credit_expires_at == far


@pytest.mark.parametrize("status", [LineStatus.GRACE, LineStatus.SUSPENDED])
def test_a_topup_reactivates_a_line_in_grace_or_suspended(brand, status):
    line = create_line(brand, status=status, credit_expires_at=T0 - timedelta(days=3))
    with time_machine.travel(T0, tick=False):
        lines.extend_credit_validity(line=line)
    line.refresh_from_db()
    assert line.status == LineStatus.ACTIVE
    assert line.credit_expires_at == T0 + timedelta(days=365)
