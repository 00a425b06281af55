"""Auto-renew from credit, driven by the scheduler: renewed once just before the period ends, told by
e-mail (with the receipt) and SMS; refused or stopped cleanly when it cannot or should not renew."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from simrenew.ledger import service as ledger
from simrenew.lines.models import PeriodStatus
from simrenew.lines.queries import balances
from simrenew.notifications.models import Channel, NotificationKind, OutboxKind, OutboxMessage
from simrenew.orders.models import Channel as OrderChannel
from simrenew.orders.models import Order, OrderStatus
from simrenew.renewals import service as renewals
from simrenew.renewals.models import AttemptStatus, RenewalAttempt
from tests.factories import create_order
from tests.lifecycle import kinds_sent, sent
from tests.renewals.subscribers import subscriber

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
END = datetime(2026, 5, 4, 12, 0, tzinfo=BRUSSELS)


@pytest.fixture(autouse=True)
def a_few_days_before_the_end(time_machine):
    """Subscribers (and their auto-renew switch) are set up three days before the bundle ends."""
    time_machine.move_to(END - timedelta(days=3), tick=False)


def test_a_period_renews_from_credit_just_before_it_ends_and_only_once(time_machine, run_tick):
    sub = subscriber(ends_at=END, credit=2000)
    time_machine.move_to(END - timedelta(hours=2), tick=False)
    assert run_tick()["renewals.auto_renew"] == {"created": 0}
    assert Order.objects.count() == 0
    # A day before, the customer hears that it ends and that auto-renew will renew it.
    reminder = sent(NotificationKind.EXPIRING_SOON, Channel.SMS)[0]
    assert "Auto-renew is on" in reminder.body and reminder.event_key == f"expiring:{sub.period.pk}:1"

    time_machine.move_to(END - timedelta(minutes=59), tick=False)
    result = run_tick()

    assert result["renewals.auto_renew"] == {"created": 1, "succeeded": 1}
    order = Order.objects.get()
    assert (order.channel, order.method, order.status, order.customer) == (
        OrderChannel.AUTO,
        "credit",
        OrderStatus.FULFILLED,
        sub.customer,
    )
    renewed = sub.line.periods.get(order_id=order.pk)
    assert (renewed.status, renewed.starts_at, renewed.ends_at) == (PeriodStatus.QUEUED, END, END + timedelta(days=30))
    assert balances(sub.line).credit_amount == 500
    attempt = RenewalAttempt.objects.get()
    assert (attempt.status, attempt.order, attempt.tries) == (AttemptStatus.SUCCEEDED, order, 1)

    # Told once, by e-mail with the receipt and by SMS; no separate order confirmation.
    assert kinds_sent(sub.line) == [
        (NotificationKind.EXPIRING_SOON, Channel.EMAIL),
        (NotificationKind.EXPIRING_SOON, Channel.SMS),
        (NotificationKind.RENEWED, Channel.EMAIL),
        (NotificationKind.RENEWED, Channel.SMS),
    ]
    assert Order.objects.filter(confirmation_sent_at__isnull=False).count() == 0
    mail = OutboxMessage.objects.get(kind=OutboxKind.EMAIL, subject__contains="renewed")
    assert mail.subject == "Your bundle Acme 15 was renewed automatically"
    assert order.receipt.number in mail.body and order.receipt.verification_code in mail.body
    sms = OutboxMessage.objects.get(kind=OutboxKind.SMS, body__contains="renewed until")
    assert sms.recipient == sub.line.msisdn

    # Running again (and again) changes nothing.
    run_tick()
    time_machine.move_to(END + timedelta(minutes=1), tick=False)
    run_tick()
    assert Order.objects.count() == 1
    assert OutboxMessage.objects.count() == 4
    renewed.refresh_from_db()
    assert renewed.status == PeriodStatus.ACTIVE
    assert not sent(NotificationKind.EXPIRED)  # it did not lapse
    assert ledger.verify() == []


def test_without_enough_credit_or_a_saved_payment_method_the_customer_is_told_and_the_bundle_lapses(
    time_machine, run_tick
):
    sub = subscriber(ends_at=END, credit=1000, language="nl", email="jan@example.be")
    time_machine.move_to(END - timedelta(minutes=30), tick=False)
    run_tick()
    attempt = RenewalAttempt.objects.get()
    assert (attempt.status, attempt.reason) == (AttemptStatus.FAILED, "no_funds")
    assert Order.objects.count() == 0
    assert kinds_sent(sub.line)[-2:] == [
        (NotificationKind.AUTO_RENEW_FAILED, Channel.EMAIL),
        (NotificationKind.AUTO_RENEW_FAILED, Channel.SMS),
    ]
    assert sent(NotificationKind.AUTO_RENEW_FAILED, Channel.EMAIL)[0].language == "nl"

    time_machine.move_to(END + timedelta(minutes=1), tick=False)
    run_tick()
    sub.period.refresh_from_db()
    assert sub.period.status == PeriodStatus.EXPIRED
    assert [n.channel for n in sent(NotificationKind.EXPIRED)] == [Channel.EMAIL, Channel.SMS]
    assert RenewalAttempt.objects.count() == 1  # no retry without a way to pay
    run_tick()
    assert len(sent(NotificationKind.EXPIRED)) == 2


def test_switched_off_before_the_end_it_does_not_renew(time_machine, run_tick):
    sub = subscriber(ends_at=END, credit=5000)
    with transaction.atomic():
        renewals.set_auto_renew(line=sub.line, customer=sub.customer, enabled=False)
    time_machine.move_to(END - timedelta(minutes=30), tick=False)
    run_tick()
    assert RenewalAttempt.objects.count() == 0
    assert Order.objects.count() == 0


def test_a_bundle_renewed_by_hand_is_not_renewed_again(time_machine, run_tick):
    sub = subscriber(ends_at=END, credit=5000)
    time_machine.move_to(END - timedelta(days=2), tick=False)
    by_hand = create_order(line=sub.line, product=sub.bundle, method="credit", customer=sub.customer)
    run_tick()
    time_machine.move_to(END - timedelta(minutes=30), tick=False)
    run_tick()
    assert list(Order.objects.values_list("pk", flat=True)) == [by_hand.pk]
    assert RenewalAttempt.objects.count() == 0  # the period is no longer the last one
    # The hand renewal is told by SMS; its buyer already has the receipt by e-mail.
    assert [n.channel for n in sent(NotificationKind.RENEWED)] == [Channel.SMS]


def test_a_product_no_longer_offered_is_not_renewed(time_machine, run_tick):
    sub = subscriber(ends_at=END, credit=5000)
    sub.bundle.active = False
    sub.bundle.save()
    time_machine.move_to(END - timedelta(minutes=30), tick=False)
    run_tick()
    attempt = RenewalAttempt.objects.get()
    assert (attempt.status, attempt.reason) == (AttemptStatus.FAILED, "product_unavailable")
    assert "no longer offered" in sent(NotificationKind.AUTO_RENEW_FAILED, Channel.EMAIL)[0].body


def test_a_stop_of_two_days_renews_on_restart_exactly_once(time_machine, run_tick):
    sub = subscriber(ends_at=END, credit=2000)
    time_machine.move_to(END - timedelta(days=1), tick=False)
    run_tick()
    # The scheduler is down across the period's end and starts again two days later.
    time_machine.move_to(END + timedelta(days=2), tick=False)
    run_tick()
    run_tick()
    order = Order.objects.get()
    period = sub.line.periods.get(order_id=order.pk)
    assert (period.status, period.starts_at) == (PeriodStatus.ACTIVE, END + timedelta(days=2))
    sub.period.refresh_from_db()
    assert sub.period.status == PeriodStatus.EXPIRED
    assert not sent(NotificationKind.EXPIRED)  # renewed before anyone was told it lapsed
    assert len(sent(NotificationKind.RENEWED)) == 2
    assert ledger.verify() == []


def test_switching_on_after_the_bundle_lapsed_does_not_buy_it_at_once(time_machine, run_tick):
    sub = subscriber(ends_at=END, credit=5000, auto_renew=False)
    time_machine.move_to(END + timedelta(days=1), tick=False)
    run_tick()
    with transaction.atomic():
        renewals.set_auto_renew(line=sub.line, customer=sub.customer, enabled=True)
    run_tick()
    assert RenewalAttempt.objects.count() == 0
    assert Order.objects.count() == 0
