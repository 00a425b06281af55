"""Auto-renew with a saved payment method, against the payment sandbox on a live server: a first
payment saves a mandate; later renewals are recurring charges on it; failed charges are retried after
1 and 3 days, then auto-renew stops; a monthly cap and a revoked mandate stop charges."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal
from simrenew.lines.models import PeriodStatus
from simrenew.notifications.models import Channel, NotificationKind
from simrenew.orders.models import Channel as OrderChannel
from simrenew.orders.models import Order, OrderStatus
from simrenew.payments import provider as providers
from simrenew.payments.models import Mandate, MandateStatus, Payment
from simrenew.renewals import service as renewals
from simrenew.renewals.models import AttemptStatus, RenewalAttempt
from simrenew.sandbox.models import SandboxCustomer, SandboxMandate, SandboxPayment
from tests.lifecycle import save_mandate, sent, tick
from tests.renewals.subscribers import subscriber

pytestmark = pytest.mark.django_db(transaction=True)

BRUSSELS = ZoneInfo("Europe/Brussels")
END = datetime(2026, 5, 4, 12, 0, tzinfo=BRUSSELS)
NEXT_END = END + timedelta(days=30)


@pytest.fixture
def sub(site, time_machine):
    time_machine.move_to(END - timedelta(days=3), tick=False)
    sub = subscriber(ends_at=END, credit=0)
    # The customer renews once by card and saves it: that bundle is queued after the current one.
    save_mandate(site, customer=sub.customer, line=sub.line, product=sub.bundle, method="creditcard")
    return sub


def recurring_payments() -> list[SandboxPayment]:
    return list(SandboxPayment.objects.filter(sequence_type="recurring").order_by("pk"))


def test_a_first_payment_saves_a_mandate_and_the_next_renewal_is_charged_on_it(sub, time_machine):
    mandate = Mandate.objects.get()
    customer = SandboxCustomer.objects.get()
    assert (mandate.customer, mandate.method, mandate.status) == (sub.customer, "creditcard", MandateStatus.VALID)
    assert mandate.label == "Mastercard •••• 6787"
    assert (mandate.provider_customer_id, mandate.provider_mandate_id) == (
        customer.public_id,
        SandboxMandate.objects.get().public_id,
    )
    first = SandboxPayment.objects.get(sequence_type="first")
    assert (first.status, first.customer_id) == ("paid", customer.public_id)

    time_machine.move_to(NEXT_END - timedelta(minutes=30), tick=False)
    results = tick()

    assert results["renewals.auto_renew"]["succeeded"] == 1
    [charge] = recurring_payments()
    assert (charge.status, charge.customer_id, charge.mandate_id) == (
        "paid",
        customer.public_id,
        mandate.provider_mandate_id,
    )
    order = Order.objects.get(channel=OrderChannel.AUTO)
    assert (order.status, order.method, order.total_amount, order.fee_amount) == (
        OrderStatus.FULFILLED,
        "creditcard",
        1525,
        25,
    )
    assert Payment.objects.get(order=order).provider_payment_id == charge.public_id
    assert charge.metadata == {"order": order.number, "charge": f"renewal:{RenewalAttempt.objects.get().pk}:try:1"}
    period = sub.line.periods.get(order_id=order.pk)
    assert (period.status, period.starts_at) == (PeriodStatus.QUEUED, NEXT_END)
    [mail] = sent(NotificationKind.RENEWED, Channel.EMAIL, event_key=f"renewed:{order.pk}")
    assert order.receipt.number in mail.body and "Card" in mail.body
    assert renewals.charged_this_month(sub.customer, NEXT_END) == 1525

    tick()
    assert len(recurring_payments()) == 1
    assert Journal.objects.filter(key=f"order:{order.pk}:fulfil").count() == 1
    assert ledger.verify() == []


def test_failed_charges_are_retried_after_one_and_three_days_then_auto_renew_stops(sub, time_machine):
    SandboxMandate.objects.update(next_charge_outcome="failed")
    due = NEXT_END - timedelta(minutes=30)
    time_machine.move_to(due, tick=False)
    tick()
    attempt = RenewalAttempt.objects.get()
    assert (attempt.status, attempt.tries, attempt.next_try_at) == (
        AttemptStatus.RETRY_SCHEDULED,
        1,
        due + timedelta(days=1),
    )
    [told] = sent(NotificationKind.AUTO_RENEW_FAILED, Channel.SMS)
    assert "We try again on" in told.body

    time_machine.move_to(due + timedelta(hours=23), tick=False)
    tick()
    assert len(recurring_payments()) == 1  # not yet

    time_machine.move_to(due + timedelta(days=1), tick=False)
    tick()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.tries, attempt.next_try_at) == (
        AttemptStatus.RETRY_SCHEDULED,
        2,
        due + timedelta(days=3),
    )

    time_machine.move_to(due + timedelta(days=3), tick=False)
    tick()
    attempt.refresh_from_db()
    sub.line.refresh_from_db()
    assert (attempt.status, attempt.tries, attempt.reason) == (AttemptStatus.STOPPED, 3, "payment_failed")
    assert sub.line.auto_renew is False
    assert [p.status for p in recurring_payments()] == ["failed", "failed", "failed"]
    assert list(Order.objects.filter(channel=OrderChannel.AUTO).values_list("status", flat=True)) == ["failed"] * 3
    failed_sms = [n.body for n in sent(NotificationKind.AUTO_RENEW_FAILED, Channel.SMS)]
    assert len(failed_sms) == 3 and "auto-renew is off" in failed_sms[-1]
    # The bundle lapsed at its end and the customer was told.
    assert len(sent(NotificationKind.EXPIRED, Channel.SMS)) == 1

    time_machine.move_to(due + timedelta(days=10), tick=False)
    tick()
    assert len(recurring_payments()) == 3
    assert ledger.verify() == []


def test_a_retry_that_is_paid_renews_late(sub, time_machine):
    SandboxMandate.objects.update(next_charge_outcome="failed")
    due = NEXT_END - timedelta(minutes=30)
    time_machine.move_to(due, tick=False)
    tick()
    SandboxMandate.objects.update(next_charge_outcome="paid")
    time_machine.move_to(due + timedelta(days=1), tick=False)
    tick()
    attempt = RenewalAttempt.objects.get()
    assert (attempt.status, attempt.tries) == (AttemptStatus.SUCCEEDED, 2)
    period = sub.line.periods.get(order_id=attempt.order_id)
    assert (period.status, period.starts_at) == (PeriodStatus.ACTIVE, due + timedelta(days=1))
    assert [p.status for p in recurring_payments()] == ["failed", "paid"]


def test_the_monthly_cap_stops_a_charge_beyond_it(sub, time_machine):
    renewals.set_spending_cap(customer=sub.customer, monthly_limit_amount=1000)
    time_machine.move_to(NEXT_END - timedelta(minutes=30), tick=False)
    tick()
    attempt = RenewalAttempt.objects.get()
    assert (attempt.status, attempt.reason) == (AttemptStatus.FAILED, "spending_cap")
    assert recurring_payments() == []
    assert "monthly" in sent(NotificationKind.AUTO_RENEW_FAILED, Channel.SMS)[0].body


def test_a_mandate_revoked_at_the_provider_is_refused_and_no_longer_used(sub, time_machine):
    SandboxMandate.objects.update(status="invalid")
    due = NEXT_END - timedelta(minutes=30)
    time_machine.move_to(due, tick=False)
    tick()
    attempt = RenewalAttempt.objects.get()
    assert (attempt.status, attempt.tries) == (AttemptStatus.RETRY_SCHEDULED, 1)
    assert Mandate.objects.get().status == MandateStatus.INVALID
    assert Order.objects.get(channel=OrderChannel.AUTO).status == OrderStatus.FAILED
    # The retry finds no valid mandate (and no credit): the customer is told, nothing is charged.
    time_machine.move_to(due + timedelta(days=1), tick=False)
    tick()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.reason) == (AttemptStatus.FAILED, "no_funds")
    assert recurring_payments() == []


def test_the_customer_removes_the_saved_method(sub):
    from simrenew.payments import service as saved_payments

    mandate = saved_payments.revoke_mandate(mandate=Mandate.objects.get())
    assert mandate.status == MandateStatus.REVOKED
    assert SandboxMandate.objects.get().status == "invalid"
    assert saved_payments.valid_mandate(customer_id=sub.customer.pk) is None


def test_the_mollie_adapter_speaks_customers_and_mandates(sub):
    provider = providers.get_provider()
    mandate = Mandate.objects.get()
    remote = provider.get_mandate(customer_id=mandate.provider_customer_id, mandate_id=mandate.provider_mandate_id)
    assert (remote.status, remote.method, remote.details) == (
        "valid",
        "creditcard",
        {"label": "Mastercard", "last4": "6787"},
    )
    [first] = provider.list_customer_payments(customer_id=mandate.provider_customer_id)
    assert (first.sequence_type, first.mandate_id) == ("first", mandate.provider_mandate_id)
    with pytest.raises(providers.ProviderRefused):
        provider.create_recurring_payment(
            customer_id=mandate.provider_customer_id,
            mandate_id="mdt_unknown1",
            amount=100,
            currency="EUR",
            description="x",
            webhook_url="",
            metadata={},
            idempotency_key="t-1",
        )
    # Same key, same request: the same payment, not a second charge.
    again = [
        provider.create_recurring_payment(
            customer_id=mandate.provider_customer_id,
            mandate_id=mandate.provider_mandate_id,
            amount=100,
            currency="EUR",
            description="x",
            webhook_url="",
            metadata={},
            idempotency_key="t-2",
        )
        for _ in range(2)
    ]
    assert again[0].id == again[1].id
    assert SandboxPayment.objects.filter(sequence_type="recurring").count() == 1
