"""charging.sql reads what the ORM queries it replaces read: a line with a bonus, credit, a bundle with a
carry, and sessions holding voice, data and credit; the session itself left out of the holds."""

from datetime import timedelta

import pytest
from django.db import transaction

from simrenew.charging import queries, sql
from simrenew.charging.models import MB_BYTES, AllowanceCarry, ChargingSession, Reservation
from simrenew.kit import clock
from simrenew.ledger import service as ledger
from tests.charging.helpers import Session, create_rates, give_bundle, network_client
from tests.factories import create_brand, create_line, post_bonus

pytestmark = pytest.mark.django_db


def test_line_state_reads_what_the_orm_queries_read():
    brand = create_brand()
    create_rates(brand)
    line = create_line(brand, credit=1000)
    post_bonus(line, 300)
    older = give_bundle(line, data_mb=2, minutes=5, sms=3)
    give_bundle(line, data_mb=50)  # queued after the first: not the current one
    AllowanceCarry.objects.create(period=older, data_bytes=1234, voice_seconds=17)
    client = network_client()
    first, second, third = Session(client, line), Session(client, line), Session(client, line)
    first.start(data=MB_BYTES, voice=120)
    second.start(data=3 * MB_BYTES)  # beyond the bundle's data: the rest held from bonus and credit
    third.start(sms=1)
    measured = ChargingSession.objects.get(ref=third.ref)
    now = clock.now()

    state = sql.line_state(line=line, session_id=measured.pk, at=now)

    balances = ledger.balances_by_code([line.bonus_account_code, line.credit_account_code])
    holds = queries.held_by_others(line=line, session=measured, at=now)
    period = queries.current_period(line, at=now)
    assert (state.bonus_balance, state.credit_balance) == (300, 1000)
    assert (state.bonus_balance, state.credit_balance) == (
        balances[line.bonus_account_code],
        balances[line.credit_account_code],
    )
    assert (state.held_bonus, state.held_credit) == (holds.bonus, holds.credit)
    assert state.held_bonus + state.held_credit > 0
    assert period is not None and state.period is not None and state.period.pk == period.pk == older.pk
    assert state.allowance_of(older.pk) == holds.allowance_of(older.pk)
    assert state.allowance_of(older.pk)["voice"] == 120 and state.allowance_of(older.pk)["data"] > 0
    assert "sms" not in state.allowance_of(older.pk)  # the measured session's own hold is left out
    assert state.carry is not None and (state.carry.data_bytes, state.carry.voice_seconds) == (1234, 17)
    assert state.credit_account is not None and state.credit_account.code == line.credit_account_code
    assert state.bonus_account is not None and state.bonus_account.code == line.bonus_account_code

    # Once every hold has run out, nothing counts; past the bundle's end, there is no period.
    later = now + timedelta(days=400)
    empty = sql.line_state(line=line, session_id=measured.pk, at=later)
    assert (empty.held_bonus, empty.held_credit, empty.held_allowance, empty.period, empty.carry) == (
        0,
        0,
        {},
        None,
        None,
    )


def test_a_line_without_a_bonus_account_or_holds_reads_zero():
    line = create_line(create_brand())  # its credit account is opened at 0; it has no bonus account
    state = sql.line_state(line=line, session_id=0, at=clock.now())
    assert (state.bonus_account, state.bonus_balance, state.credit_balance) == (None, 0, 0)
    assert state.credit_account is not None and state.credit_account.code == line.credit_account_code
    assert state.period is None and state.held_allowance == {}


def test_the_session_and_its_reservations_read_back_as_saved():
    brand = create_brand()
    create_rates(brand)
    line = create_line(brand, credit=1000)
    session = Session(network_client(), line)
    session.start(data=MB_BYTES, sms=1)
    stored = ChargingSession.objects.get(ref=session.ref)
    with transaction.atomic():
        locked = sql.lock_line_of_session(client_id=stored.client_id, ref=session.ref)
        assert locked is not None and locked.pk == line.pk and locked.brand.code == brand.code
        assert sql.lock_line_of_session(client_id=stored.client_id + 1, ref=session.ref) is None
        read, reservations = sql.session_with_reservations(session.ref)
        assert sql.session_with_reservations("CD-none") == (None, [])
    assert read is not None
    assert [getattr(read, f.attname) for f in ChargingSession._meta.concrete_fields] == [
        getattr(stored, f.attname) for f in ChargingSession._meta.concrete_fields
    ]
    by_key = sql.session_by_key(client_id=stored.client_id, client_key=stored.client_key)
    assert by_key is not None and by_key.pk == stored.pk
    fields = Reservation._meta.concrete_fields
    expected = sorted(tuple(getattr(r, f.attname) for f in fields) for r in Reservation.objects.filter(session=stored))
    assert len(expected) == 2
    assert sorted(tuple(getattr(r, f.attname) for f in fields) for r in reservations) == expected
