"""Holds under real concurrency (PostgreSQL): 50 sessions opened at once on one line with credit for 10
units are granted at most 10 units in total, and using all of them leaves the credit at zero, not below."""

import pytest
from django.db import connection, transaction

from simrenew.charging import service as charging
from simrenew.charging.models import RatingGroup, Reservation
from simrenew.charging.service import UnitUse
from simrenew.ledger import service as ledger
from simrenew.lines.queries import balances
from tests.charging.helpers import VOICE_PRICE, create_rates, network_client
from tests.concurrency import race
from tests.factories import create_brand, create_line

SESSIONS = 50
UNITS = 10  # minutes of credit

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so it cannot show row-lock races",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_fifty_concurrent_sessions_on_one_line_are_granted_at_most_its_credit():
    # given a line with credit for 10 minutes of calls (12 c a minute, per-minute rounding)
    brand = create_brand()
    create_rates(brand)
    line = create_line(brand, credit=UNITS * VOICE_PRICE)
    client = network_client()

    def call(n: int) -> tuple[str, int]:
        with transaction.atomic():
            answer = charging.start(
                client=client,
                client_key=f"race-{n}",
                msisdn=line.msisdn,
                sequence=0,
                request_hash=f"race-{n}",
                uses=[UnitUse(RatingGroup.VOICE, 0, 60)],
            )
        return answer.session.ref, answer.grants[0].granted

    # when 50 calls start at once, each asking for a minute
    outcomes = race(SESSIONS, call)
    # then every call got an answer, and together at most the 10 minutes the credit pays for
    assert [kind for kind, _ in outcomes] == ["ok"] * SESSIONS, outcomes
    granted = [answer for _, answer in outcomes]
    assert sum(units for _, units in granted) == UNITS * 60
    assert sum(Reservation.objects.values_list("credit_amount", flat=True)) == UNITS * VOICE_PRICE
    # and when every call uses all it was granted, the credit is used up exactly, never below zero
    for ref, units in granted:
        with transaction.atomic():
            charging.report(
                client=client,
                ref=ref,
                sequence=1,
                request_hash=f"end-{ref}",
                uses=[UnitUse(RatingGroup.VOICE, units, None)],
                final=True,
            )
    assert balances(line).credit_amount == 0
    assert ledger.verify() == []
