"""A kiosk's cash box under real concurrency (PostgreSQL): the same device event written from several
connections at once is credited once; credits racing an emptying are each counted by exactly one
emptying, and the kiosk's cash account and the audit agree to the cent."""

import pytest
from django.db import connection, transaction

from simrenew.kiosks import cashbox
from simrenew.kiosks import service as kiosks
from simrenew.kiosks.errors import CashBoxInUse
from simrenew.kiosks.models import CashBoxEmptying, CashBoxEvent, CashBoxEventKind, CashDevice, Purpose
from simrenew.ledger import service as ledger
from simrenew.staff import roles
from tests.concurrency import race
from tests.factories import create_brand, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk
from tests.staff.factories import create_staff_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so it cannot show row-lock races",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def setting():
    brand = create_brand(code="acme")
    create_topup_product(brand, amounts=[1000])
    kiosk = create_kiosk("race")
    device = CashDevice.objects.create(kiosk=kiosk, port="/dev/ttyUSB0", channels=[500, 1000, 2000, 5000])
    line = create_line(brand)
    return kiosk, device, line


def test_one_device_event_written_from_many_connections_is_credited_once(setting):
    kiosk, device, line = setting
    with transaction.atomic():
        session = kiosks.open_cash_session(kiosk=kiosk, line=line, purpose=Purpose.TOPUP)
    at = cashbox.EventId("run-1", 7)

    def credit(_n):
        with transaction.atomic():
            cashbox.credit_stacked(kiosk=kiosk, device=device, amount=2000, at=at, session_id=session.pk)

    assert race(6, credit) == [("ok", None)] * 6
    session.refresh_from_db()
    assert session.inserted_amount == 2000
    assert CashBoxEvent.objects.filter(kind=CashBoxEventKind.CREDIT).count() == 1


def test_credits_racing_emptyings_are_each_counted_once(setting):
    kiosk, device, line = setting
    finance = create_staff_user(roles.FINANCE)
    notes = 8
    refusals: list[int] = []

    def work(n):
        if n == 0:
            emptied = 0
            while emptied < 3:
                try:
                    with transaction.atomic():
                        kiosks.lock_cash_box(kiosk)  # staff count what is in the box while it is theirs
                        expected = cashbox.expected_in_box(kiosk)
                        cashbox.empty_cash_box(kiosk=kiosk, counted=dict(expected.counts), by=finance)
                except CashBoxInUse:
                    refusals.append(1)  # a customer was mid-payment: staff come back a moment later
                    continue
                emptied += 1
            return
        for i in range(notes):
            # One customer after another: each note in its own session, credited then settled.
            with transaction.atomic():
                session = kiosks.open_cash_session(kiosk=kiosk, line=line, purpose=Purpose.TOPUP)
            with transaction.atomic():
                cashbox.credit_stacked(
                    kiosk=kiosk, device=device, amount=500, at=cashbox.EventId(f"run-{n}", i), session_id=session.pk
                )
            with transaction.atomic():
                kiosks.settle_cash_session(kiosk=kiosk, token=session.token)

    assert race(2, work) == [("ok", None)] * 2
    with transaction.atomic():
        expected = cashbox.expected_in_box(kiosk)
        cashbox.empty_cash_box(kiosk=kiosk, counted=dict(expected.counts), by=finance)
    emptied = sum(CashBoxEmptying.objects.values_list("counted_amount", flat=True))
    assert emptied == notes * 500
    assert sum(CashBoxEmptying.objects.values_list("expected_amount", flat=True)) == notes * 500
    assert ledger.balance(kiosks.cash_account(kiosk)) == 0
    assert ledger.balance(cashbox.cash_in_transit_account()) == -notes * 500
    assert ledger.verify() == []
