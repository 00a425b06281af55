"""The rate-limit primitive: budgets per actor, all-or-nothing, windows that reopen, on SQLite and
PostgreSQL (the race test: tests/throttles/test_race_pg.py)."""

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from simrenew.throttles import service as throttles
from simrenew.throttles.errors import Throttled
from simrenew.throttles.models import Counter
from simrenew.throttles.service import Rule

pytestmark = pytest.mark.django_db
START = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
PERSON = Rule("test:person", 2, timedelta(minutes=10), "Too many from %(until)s person")
PLACE = Rule("test:place", 3, timedelta(hours=1), "Too many at this place until %(until)s")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_a_budget_allows_its_limit_per_window_then_refuses_with_when(frozen):
    # given a budget of 2 per 10 minutes, used twice
    throttles.take(PERSON.of("ann"))
    frozen.shift(timedelta(minutes=3))
    throttles.take(PERSON.of("ann"))
    # when it is used a third time
    with pytest.raises(Throttled) as refused:
        throttles.take(PERSON.of("ann"))
    # then it is refused until the window that opened at the first use ends
    assert (refused.value.rule, refused.value.until) == ("test:person", START + timedelta(minutes=10))
    assert refused.value.retry_after == 7 * 60
    assert refused.value.status == 429
    # and another actor is not affected
    throttles.take(PERSON.of("bob"))


def test_a_window_reopens_when_it_ends(frozen):
    for _ in range(2):
        throttles.take(PERSON.of("ann"))
    frozen.move_to(START + timedelta(minutes=10))
    throttles.take(PERSON.of("ann"))
    assert throttles.remaining(PERSON.of("ann")) == 1
    assert Counter.objects.get().window_ends == START + timedelta(minutes=20)


def test_take_uses_every_budget_or_none_and_names_the_first_used_up_in_the_order_given():
    # given a person whose own budget is used up, at a place with room left
    for _ in range(2):
        throttles.take(PERSON.of("ann"), PLACE.of("station"))
    assert throttles.remaining(PLACE.of("station")) == 1
    # when the person asks again
    with pytest.raises(Throttled) as refused:
        throttles.take(PERSON.of("ann"), PLACE.of("station"))
    # then the person is named, and the place's budget is not used by the refusal
    assert refused.value.rule == "test:person"
    assert throttles.remaining(PLACE.of("station")) == 1
    throttles.take(PERSON.of("bob"), PLACE.of("station"))
    # when both are used up, the first given is named
    with pytest.raises(Throttled) as both:
        throttles.take(PLACE.of("station"), PERSON.of("ann"))
    assert both.value.rule == "test:place"


def test_give_back_returns_a_unit_of_the_current_window_only(frozen):
    throttles.take(PERSON.of("ann"))
    throttles.give_back(PERSON.of("ann"))
    throttles.give_back(PERSON.of("ann"))  # never below zero
    assert throttles.remaining(PERSON.of("ann")) == 2
    throttles.give_back(PERSON.of("nobody"))  # no row: nothing to give back
    assert Counter.objects.count() == 1


def test_actors_are_stored_only_as_keyed_hashes():
    throttles.take(PERSON.of("+32470123456"))
    row = Counter.objects.get()
    assert "+32470123456" not in row.actor and len(row.actor) == 64
    assert row.rule == "test:person"


def test_the_message_names_until_when_in_local_time():
    for _ in range(2):
        throttles.take(PERSON.of("ann"))
    with pytest.raises(Throttled) as refused:
        throttles.take(PERSON.of("ann"))
    assert str(refused.value) == "Too many from 12:10 person"  # 10:10 UTC is 12:10 in Brussels in May


def test_prune_forgets_windows_that_ended_long_ago(frozen):
    throttles.take(PERSON.of("ann"))
    frozen.move_to(START + timedelta(hours=2))
    throttles.take(PLACE.of("station"))
    assert throttles.prune(before=START + timedelta(hours=1)) == 1
    assert list(Counter.objects.values_list("rule", flat=True)) == ["test:place"]


@pytest.mark.parametrize(
    ("address", "actor"),
    [
        ("192.0.2.7", "ip:192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "ip:2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "ip:2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "ip:192.0.2.7"),
        ("", ""),
        (None, ""),
        ("not an address", ""),
    ],
)
def test_a_network_address_is_an_ipv4_address_or_an_ipv6_64(address, actor):
    assert throttles.network_of(address) == actor


def test_the_prune_command_forgets_old_windows(frozen):
    throttles.take(PERSON.of("ann"))
    frozen.move_to(START + timedelta(days=2))
    out = io.StringIO()
    call_command("throttles", "prune", "--hours", "24", stdout=out)
    assert out.getvalue().strip() == "deleted 1 counters"
    assert not Counter.objects.exists()
