"""Auto-renew survives being killed between charging and fulfilling: the job resumes where it stopped
and the customer is charged once, whatever moment it died at (and however long it stayed down)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal
from simrenew.lines.models import PeriodStatus
from simrenew.notifications.models import Channel, NotificationKind
from simrenew.orders import service as orders
from simrenew.orders.models import Channel as OrderChannel
from simrenew.orders.models import Order, OrderStatus
from simrenew.payments.models import Payment
from simrenew.payments.mollie import MollieProvider
from simrenew.renewals import scheduler
from simrenew.renewals.models import AttemptStatus, JobWatermark, RenewalAttempt
from simrenew.sandbox.models import SandboxPayment
from tests.lifecycle import save_mandate, sent, tick
from tests.renewals.subscribers import subscriber

pytestmark = pytest.mark.django_db(transaction=True)

BRUSSELS = ZoneInfo("Europe/Brussels")
END = datetime(2026, 5, 4, 12, 0, tzinfo=BRUSSELS)
NEXT_END = END + timedelta(days=30)
DUE = NEXT_END - timedelta(minutes=30)


class Killed(BaseException):
    """The process died (a BaseException: nothing in the job catches it, as nothing catches SIGKILL)."""


@pytest.fixture
def sub(site, time_machine):
    time_machine.move_to(END - timedelta(days=3), tick=False)
    sub = subscriber(ends_at=END, credit=0)
    save_mandate(site, customer=sub.customer, line=sub.line, product=sub.bundle)
    time_machine.move_to(DUE, tick=False)
    return sub


def charges() -> list[SandboxPayment]:
    return list(SandboxPayment.objects.filter(sequence_type="recurring"))


def assert_renewed_once(sub) -> None:
    [charge] = charges()
    order = Order.objects.get(channel=OrderChannel.AUTO)
    assert (charge.status, order.status) == ("paid", OrderStatus.FULFILLED)
    assert Payment.objects.filter(order=order).count() == 1
    assert Journal.objects.filter(key=f"order:{order.pk}:fulfil").count() == 1
    assert sub.line.periods.filter(order_id=order.pk).exclude(status=PeriodStatus.EXPIRED).count() == 1
    assert RenewalAttempt.objects.get().status == AttemptStatus.SUCCEEDED
    assert len(sent(NotificationKind.RENEWED, Channel.SMS, event_key=f"renewed:{order.pk}")) == 1
    assert ledger.verify() == []


def run_until_killed() -> None:
    with pytest.raises(Killed):
        scheduler.tick()
    # The dead process still holds the job's lease: a tick right away skips the job.
    assert not scheduler.run_job("renewals.auto_renew").ran


@pytest.mark.parametrize("down_for", [timedelta(minutes=11), timedelta(days=2)], ids=["minutes", "two-days"])
def test_killed_after_the_provider_took_the_charge_before_we_recorded_it(sub, time_machine, monkeypatch, down_for):
    create = MollieProvider.create_recurring_payment

    def charge_then_die(self, **kwargs):
        create(self, **kwargs)  # the provider charged the card...
        raise Killed()  # ...and we died before writing anything down

    monkeypatch.setattr(MollieProvider, "create_recurring_payment", charge_then_die)
    run_until_killed()
    assert len(charges()) == 1
    assert Payment.objects.filter(order__channel=OrderChannel.AUTO).count() == 0
    assert RenewalAttempt.objects.get().status == AttemptStatus.CHARGING
    monkeypatch.setattr(MollieProvider, "create_recurring_payment", create)

    # Back up after the lease expired (minutes), or after the provider forgot the idempotency key (days):
    # the charge is found among the customer's payments by its key, and not made again.
    time_machine.move_to(DUE + down_for, tick=False)
    tick()
    tick()
    assert_renewed_once(sub)


def test_killed_after_recording_the_charge_before_fulfilling(sub, time_machine, monkeypatch):
    sync = orders.sync_payment

    def die(**kwargs):
        raise Killed()

    # The webhook is lost too (our site was down), and the job dies before it could ask itself.
    monkeypatch.setattr(orders, "sync_payment", die)
    run_until_killed()
    order = Order.objects.get(channel=OrderChannel.AUTO)
    assert (order.status, charges()[0].status) == (OrderStatus.AWAITING_PAYMENT, "paid")
    assert Journal.objects.filter(key=f"order:{order.pk}:fulfil").count() == 0
    monkeypatch.setattr(orders, "sync_payment", sync)

    time_machine.move_to(DUE + timedelta(minutes=11), tick=False)
    tick()
    assert_renewed_once(sub)


def test_killed_before_charging_charges_once_on_restart(sub, time_machine, monkeypatch):
    def die(self, **kwargs):
        raise Killed()

    create = MollieProvider.create_recurring_payment
    monkeypatch.setattr(MollieProvider, "create_recurring_payment", die)
    run_until_killed()
    assert charges() == []
    order = Order.objects.get(channel=OrderChannel.AUTO)
    assert order.status == OrderStatus.CREATED  # placed, not charged yet
    monkeypatch.setattr(MollieProvider, "create_recurring_payment", create)
    time_machine.move_to(DUE + timedelta(minutes=11), tick=False)
    tick()
    assert_renewed_once(sub)
    assert Order.objects.filter(channel=OrderChannel.AUTO).count() == 1


def test_two_schedulers_at_once_charge_once(sub):
    # A second scheduler (or a tick that overlaps a slow one) skips a job that is running...
    JobWatermark.objects.filter(name="renewals.auto_renew").delete()
    first = scheduler.run_job("renewals.auto_renew")
    assert first.ran
    # ...and the attempt's own lock and status make even a forced second run do nothing more.
    from simrenew.renewals import service as renewals

    renewals.run(at=DUE)
    renewals.process(RenewalAttempt.objects.get().pk)
    tick()
    assert_renewed_once(sub)
