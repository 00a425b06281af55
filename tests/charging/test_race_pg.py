"""Holds under real concurrency (PostgreSQL): 50 sessions opened at once on one line with credit for 10
units are granted at most 10 units in total, and using all of them leaves the credit at zero, not below."""

import threading

import pytest
from django.db import connection, transaction

from simrenew.charging import service as charging
from simrenew.charging.models import RatingGroup, Reservation
from simrenew.charging.service import UnitUse
from simrenew.ledger import service as ledger
from simrenew.lines.queries import balances
from tests.charging.helpers import VOICE_PRICE, create_rates, network_client
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
    barrier = threading.Barrier(SESSIONS)
    granted: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def call(n: int) -> None:
        try:
            barrier.wait(timeout=60)
            with transaction.atomic():
                answer = charging.start(
                    client=client,
                    client_key=f"race-{n}",
                    msisdn=line.msisdn,
                    sequence=0,
                    request_hash=f"race-{n}",
                    uses=[UnitUse(RatingGroup.VOICE, 0, 60)],
                )
            with lock:
                granted.append((answer.session.ref, answer.grants[0].granted))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # when 50 calls start at once, each asking for a minute
    threads = [threading.Thread(target=call, args=(n,)) for n in range(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    # then every call got an answer, and together at most the 10 minutes the credit pays for
    assert errors == []
    assert len(granted) == SESSIONS
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
