"""Many requests take from one budget at the same moment (PostgreSQL, one connection each): exactly
the limit is granted, the rest refused, and the count never goes past the limit."""

from datetime import timedelta

import pytest
from django.db import connection

from simrenew.throttles import service as throttles
from simrenew.throttles.errors import Throttled
from simrenew.throttles.models import Counter
from simrenew.throttles.service import Rule
from tests.concurrency import race

THREADS = 16
SHARED = Rule("race:kiosk", 5, timedelta(hours=1), "kiosk %(until)s")
OWN = Rule("race:visit", 1, timedelta(hours=1), "visit %(until)s")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so it cannot show row-lock races",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_sixteen_concurrent_takes_from_a_budget_of_five():
    outcomes = race(THREADS, lambda index: throttles.take(OWN.of(f"visit-{index}"), SHARED.of("k1")))
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == sorted(["ok"] * 5 + [Throttled.__name__] * (THREADS - 5)), outcomes
    assert Counter.objects.get(rule="race:kiosk").used == 5
    # a refused take used none of its budgets: the refused visits still have theirs
    assert sorted(Counter.objects.filter(rule="race:visit").values_list("used", flat=True)) == [1] * 5
