"""Auto-renew is the holder's: when another account links the line, the previous holder's auto-renew
stops and nothing more is charged to their saved card, not even a charge already decided; a payer
who no longer holds the line (links from before one holder per line) is never charged either."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from simrenew.customers import service as customers
from simrenew.ledger import service as ledger
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import Channel as OrderChannel
from simrenew.orders.models import Order, OrderStatus
from simrenew.renewals import service as renewals
from simrenew.renewals.models import AttemptStatus, RenewalAttempt
from simrenew.sandbox.models import SandboxPayment
from tests.factories import create_customer
from tests.lifecycle import save_mandate, tick
from tests.renewals.subscribers import subscriber

BRUSSELS = ZoneInfo("Europe/Brussels")
END = datetime(2026, 5, 4, 12, 0, tzinfo=BRUSSELS)
NEXT_END = END + timedelta(days=30)
DUE = NEXT_END - timedelta(minutes=30)


def _move_to_new_holder(line) -> None:
    with transaction.atomic():
        customers.take_line(customer=create_customer(email="new@example.be"), line=line)


def _recurring_charges() -> list[SandboxPayment]:
    return list(SandboxPayment.objects.filter(sequence_type="recurring"))


@pytest.fixture
def sub_with_card(site, time_machine):
    """A holds the line with auto-renew on and a saved card (the first payment renewed it once)."""
    time_machine.move_to(END - timedelta(days=3), tick=False)
    sub = subscriber(ends_at=END, credit=0, email="a@example.be")
    save_mandate(site, customer=sub.customer, line=sub.line, product=sub.bundle, method="creditcard")
    return sub


@pytest.mark.django_db(transaction=True)
def test_after_the_move_the_previous_holders_card_is_not_charged(sub_with_card, time_machine):
    sub = sub_with_card
    # given B links the line before the next renewal
    _move_to_new_holder(sub.line)
    sub.line.refresh_from_db()
    assert sub.line.auto_renew is False
    # when the renewal falls due
    time_machine.move_to(DUE, tick=False)
    result = tick()
    # then nothing is renewed or charged: no attempt, no order, no charge at the provider
    assert result["renewals.auto_renew"] == {"created": 0}
    assert RenewalAttempt.objects.count() == 0
    assert Order.objects.filter(channel=OrderChannel.AUTO).count() == 0
    assert _recurring_charges() == []
    assert ledger.verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_charge_decided_before_the_move_is_not_made_after_it(sub_with_card, time_machine, monkeypatch):
    sub = sub_with_card
    # given the renewal was decided (its order placed to charge A's card) but the charge not yet made
    time_machine.move_to(DUE, tick=False)
    with monkeypatch.context() as patched:
        patched.setattr(renewals, "_charge", lambda attempt: None)
        tick()
    attempt = RenewalAttempt.objects.get()
    assert attempt.status == AttemptStatus.CHARGING
    # when B links the line, then the job carries on
    _move_to_new_holder(sub.line)
    assert renewals.process(attempt.pk) == AttemptStatus.STOPPED
    # then the order fails unpaid and A's card is never charged
    attempt.refresh_from_db()
    assert attempt.reason == "switched_off"
    assert Order.objects.get(channel=OrderChannel.AUTO).status == OrderStatus.FAILED
    assert _recurring_charges() == []
    # and later ticks change nothing
    tick()
    assert _recurring_charges() == []
    assert ledger.verify() == []


@pytest.mark.django_db
def test_a_payer_who_no_longer_holds_the_line_stops_auto_renew_even_from_credit(time_machine):
    # given A switched auto-renew on, and B holds the line now but the switch is still on (a line two
    # accounts had linked before one holder per line: the migration kept the most recent)
    time_machine.move_to(END - timedelta(days=3), tick=False)
    sub = subscriber(ends_at=END, credit=5000, email="a@example.be")
    _move_to_new_holder(sub.line)
    sub.line.auto_renew = True
    sub.line.save(update_fields=["auto_renew"])
    OutboxMessage.objects.filter(kind=OutboxKind.EMAIL).delete()
    # when the renewal falls due
    time_machine.move_to(END - timedelta(minutes=30), tick=False)
    tick()
    # then the attempt in A's name stops, the switch goes off, and B's credit is not spent
    attempt = RenewalAttempt.objects.get()
    assert (attempt.customer, attempt.status, attempt.reason) == (sub.customer, AttemptStatus.STOPPED, "holder_changed")
    sub.line.refresh_from_db()
    assert sub.line.auto_renew is False
    assert Order.objects.filter(channel=OrderChannel.AUTO).count() == 0
    assert balances(sub.line).credit_amount == 5000
