"""lines.lifecycle: periods ending on time with rollover, credit validity into grace and suspension with
breakage (bonus first), reactivation, bonus credit with its own expiry, and data use."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, Journal
from simrenew.lines import bonus, lifecycle
from simrenew.lines import service as lines
from simrenew.lines.models import BonusGrant, LineStatus, PeriodStatus
from simrenew.lines.queries import balances
from tests.factories import create_brand, create_bundle, create_line, create_order, post_bonus

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def brand():
    return create_brand(code="acme", credit_validity_days=365, grace_days=30)


def add_period(line, product, at):
    with transaction.atomic():
        return lines.add_bundle_period(line=lines.lock_line(line.pk), product=product, order_id=None, at=at)


def advance(line, at):
    with transaction.atomic():
        return lifecycle.advance_periods(line=lines.lock_line(line.pk), at=at)


def credit_lifecycle(line, at):
    with transaction.atomic():
        return lifecycle.apply_credit_validity(line=lines.lock_line(line.pk), at=at)


def breakage_balance(brand) -> int:
    account = Account.objects.filter(code=f"brand:{brand.code}:breakage").first()
    return ledger.balance(account) if account else 0


def test_a_queued_period_starts_when_the_current_one_ends(brand):
    line = create_line(brand)
    bundle = create_bundle(brand, validity_days=30, data_mb=1000)
    first = add_period(line, bundle, T0)
    second = add_period(line, bundle, T0 + timedelta(days=1))
    assert (first.status, second.status) == (PeriodStatus.ACTIVE, PeriodStatus.QUEUED)
    assert second.starts_at == first.ends_at

    ended = advance(line, T0 + timedelta(days=30))

    first.refresh_from_db()
    second.refresh_from_db()
    assert [p.pk for p in ended] == [first.pk]
    assert (first.status, second.status) == (PeriodStatus.EXPIRED, PeriodStatus.ACTIVE)
    assert second.data_mb_left == 1000  # unused allowances lapse: nothing rolled over
    assert second.rollover_data_mb == 0


def test_allowances_roll_over_when_the_product_says_so_and_the_next_period_follows_on(brand):
    line = create_line(brand)
    bundle = create_bundle(brand, validity_days=30, data_mb=1000, voice_minutes=100, sms_count=50)
    bundle.allowances_roll_over = True
    bundle.save()
    first = add_period(line, bundle, T0)
    first.data_mb_left, first.voice_minutes_left, first.sms_left = 400, 30, 0
    first.save()
    second = add_period(line, bundle, T0 + timedelta(days=2))

    advance(line, T0 + timedelta(days=31))

    second.refresh_from_db()
    assert (second.data_mb_left, second.voice_minutes_left, second.sms_left) == (1400, 130, 50)
    assert second.rollover_data_mb == 400
    assert second.data_mb_granted == 1400


def test_a_stop_of_several_periods_catches_up_in_order(brand):
    line = create_line(brand)
    bundle = create_bundle(brand, validity_days=7)
    periods = [add_period(line, bundle, T0) for _ in range(3)]

    ended = advance(line, T0 + timedelta(days=15))

    assert [p.pk for p in ended] == [periods[0].pk, periods[1].pk]
    statuses = [p.status for p in line.periods.order_by("starts_at")]
    assert statuses == [PeriodStatus.EXPIRED, PeriodStatus.EXPIRED, PeriodStatus.ACTIVE]
    assert advance(line, T0 + timedelta(days=15)) == []  # running again changes nothing


def test_credit_validity_lapses_into_grace_then_suspension_with_breakage_bonus_first(brand):
    line = create_line(brand, credit=700, credit_expires_at=T0)
    post_bonus(line, 200)
    assert credit_lifecycle(line, T0 - timedelta(seconds=1)) == []

    changes = credit_lifecycle(line, T0 + timedelta(hours=1))

    line.refresh_from_db()
    assert [(c.old, c.new) for c in changes] == [(LineStatus.ACTIVE, LineStatus.GRACE)]
    assert (line.status, line.status_changed_at) == (LineStatus.GRACE, T0)
    assert balances(line).total_amount == 900  # grace keeps the credit

    assert credit_lifecycle(line, T0 + timedelta(days=29)) == []
    changes = credit_lifecycle(line, T0 + timedelta(days=30))

    line.refresh_from_db()
    assert [(c.new, c.breakage_amount) for c in changes] == [(LineStatus.SUSPENDED, 900)]
    assert line.status == LineStatus.SUSPENDED
    assert balances(line).credit_amount == 0 and balances(line).bonus_amount == 0
    journal = Journal.objects.get(kind="breakage")
    postings = dict(journal.postings.values_list("account__code", "amount"))
    assert postings == {line.bonus_account_code: -200, line.credit_account_code: -700, "brand:acme:breakage": 900}
    assert breakage_balance(brand) == 900
    assert ledger.verify() == []
    # Running again posts nothing more.
    assert credit_lifecycle(line, T0 + timedelta(days=40)) == []
    assert Journal.objects.filter(kind="breakage").count() == 1


def test_a_line_stopped_longer_than_its_grace_goes_through_both_at_once(brand):
    line = create_line(brand, credit=300, credit_expires_at=T0)
    changes = credit_lifecycle(line, T0 + timedelta(days=45))
    assert [(c.new, c.at) for c in changes] == [
        (LineStatus.GRACE, T0),
        (LineStatus.SUSPENDED, T0 + timedelta(days=30)),
    ]
    assert breakage_balance(brand) == 300


def test_a_line_without_credit_validity_never_lapses(brand):
    line = create_line(brand, credit=300)
    assert credit_lifecycle(line, T0 + timedelta(days=3650)) == []


@pytest.mark.parametrize("status", [LineStatus.GRACE, LineStatus.SUSPENDED])
def test_a_renewal_reactivates_a_line_in_grace_or_suspended(brand, status):
    line = create_line(brand, credit=2000, status=status, credit_expires_at=T0 - timedelta(days=3))
    bundle = create_bundle(brand, price_amount=1500)
    with time_machine.travel(T0, tick=False):
        create_order(line=line, product=bundle, method="credit")
    line.refresh_from_db()
    assert line.status == LineStatus.ACTIVE
    assert (line.credit_expires_at, line.status_changed_at) == (T0 + timedelta(days=365), T0)


def test_bonus_grants_expire_on_their_own_dates_into_breakage(brand):
    line = create_line(brand, credit=1000)
    with transaction.atomic():
        for amount, days, key in ((300, 10, "a"), (200, 40, "b")):
            post_bonus(line, amount)
            bonus.record_grant(line=line, amount=amount, expires_at=T0 + timedelta(days=days), source_key=key, at=T0)

    with transaction.atomic():
        assert lifecycle.expire_bonus(line=lines.lock_line(line.pk), at=T0 + timedelta(days=11)) == 300
    assert balances(line).bonus_amount == 200
    with transaction.atomic():
        assert lifecycle.expire_bonus(line=lines.lock_line(line.pk), at=T0 + timedelta(days=11)) == 0
    assert breakage_balance(brand) == 300
    assert list(BonusGrant.objects.order_by("expires_at").values_list("remaining_amount", flat=True)) == [0, 200]
    assert ledger.verify() == []


def test_spending_bonus_uses_the_grant_that_expires_first(brand):
    line = create_line(brand, credit=1000)
    with transaction.atomic():
        post_bonus(line, 500)
        bonus.record_grant(line=line, amount=200, expires_at=T0 + timedelta(days=40), source_key="late", at=T0)
        bonus.record_grant(line=line, amount=300, expires_at=T0 + timedelta(days=10), source_key="soon", at=T0)
    bundle = create_bundle(brand, price_amount=400)
    with time_machine.travel(T0, tick=False):
        create_order(line=line, product=bundle, method="credit")
    assert balances(line).bonus_amount == 100
    remaining = dict(BonusGrant.objects.values_list("source_key", "remaining_amount"))
    assert remaining == {"soon": 0, "late": 100}


def test_expired_bonus_cannot_pay_even_before_the_job_swept_it(brand):
    line = create_line(brand, credit=0)
    with transaction.atomic():
        post_bonus(line, 1500)
        bonus.record_grant(line=line, amount=1500, expires_at=T0, source_key="gone", at=T0 - timedelta(days=31))
    bundle = create_bundle(brand, price_amount=1500)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False), pytest.raises(ledger.InsufficientFunds):
        create_order(line=line, product=bundle, method="credit")
    assert balances(line).bonus_amount == 1500  # rolled back with the order: the job sweeps it later


def test_data_use_and_the_warning_levels(brand):
    line = create_line(brand)
    bundle = create_bundle(brand, data_mb=1000)
    period = add_period(line, bundle, T0)
    with transaction.atomic():
        lifecycle.record_data_use(line=lines.lock_line(line.pk), data_mb=790)
    assert list(lifecycle.periods_to_warn_about_data()) == []
    with transaction.atomic():
        lifecycle.record_data_use(line=lines.lock_line(line.pk), data_mb=20)
    period.refresh_from_db()
    assert lifecycle.data_used_percent(period) == 81
    assert [p.pk for p in lifecycle.periods_to_warn_about_data()] == [period.pk]
    assert lifecycle.mark_data_alert(period=period, level=80) is True
    assert lifecycle.mark_data_alert(period=period, level=80) is False
    with transaction.atomic():
        lifecycle.record_data_use(line=lines.lock_line(line.pk), data_mb=5000)
    period.refresh_from_db()
    assert period.data_mb_left == 0
    assert [p.pk for p in lifecycle.periods_to_warn_about_data()] == [period.pk]
    assert lifecycle.mark_data_alert(period=period, level=100) is True
    assert list(lifecycle.periods_to_warn_about_data()) == []
