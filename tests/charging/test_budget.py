"""Statements per charging decision: a budget that fails with the list of statements when it drifts."""

import contextvars

import pytest
from django.db import transaction

from simrenew.charging.models import MB_BYTES, NetworkClient
from simrenew.lines import queries as line_queries
from simrenew.lines import service as lines
from simrenew.reference import cache as reference
from tests.charging.helpers import Session, create_rates, give_bundle, network_client
from tests.factories import create_brand, create_bundle, create_line

pytestmark = pytest.mark.django_db

# Inside the caller's transaction (a savepoint here, 2 statements). A create: lock the line, look for
# the client's key, insert the session; the line's balances, other sessions' holds, its bundle and the
# bundle's carry (one statement, charging.sql.line_state); insert the reservation; store the answer.
# The brand's rates are reference data, kept per process. An update: lock the session's line (one
# statement, the session found by a subquery), read the session with its reservations (one statement), the line's state
# (one statement); settle: the usage row, the journal (3), the period and its carry; then the
# reservation, the session, and the answer. (Were 11 and 19 before charging.sql: the balances, holds,
# bundle and carry were four reads.)
CREATE_BUDGET = 8
UPDATE_BUDGET = 15


def a_request_begins(client: NetworkClient) -> None:
    """What the API does before a decision: the request's unit begins and the authentication reads the
    network client, comparing the reference generation (the one read a request pays for all)."""
    reference.begin_unit()
    reference.cached(f"network-client:{client.key_id}", lambda: client)


def test_statements_per_decision(django_assert_max_num_queries, django_capture_on_commit_callbacks):
    brand = create_brand()
    create_rates(brand)
    line = create_line(brand, credit=1000)
    give_bundle(line, data_mb=1)
    second = create_bundle(brand, data_mb=1, voice_minutes=10, sms_count=5)
    client = network_client()
    with django_capture_on_commit_callbacks(execute=True):  # a process that has met the line's accounts
        warm = Session(client, line)
        warm.start(data=MB_BYTES + MB_BYTES // 2)
        warm.release(data=MB_BYTES + MB_BYTES // 2)  # the bundle's MB and half a MB from credit
    with transaction.atomic():  # a new bundle (queued after the first: the first is used up)
        lines.add_bundle_period(line=line, product=second, order_id=None)
    session = Session(client, line)

    def decisions() -> None:
        a_request_begins(client)
        with django_assert_max_num_queries(CREATE_BUDGET):
            session.start(data=2 * MB_BYTES)
        a_request_begins(client)
        with django_assert_max_num_queries(UPDATE_BUDGET):
            session.update({"data": 2 * MB_BYTES}, data=2 * MB_BYTES)  # one MB from the bundle, one from credit

    contextvars.copy_context().run(decisions)  # the request's unit ends with it
    assert line_queries.balances(line).credit_amount == 1000 - 5 - 10


def test_a_new_rate_version_is_used_from_its_start_by_a_process_that_kept_the_old(
    django_capture_on_commit_callbacks,
):
    from datetime import timedelta

    from simrenew.charging.models import Rate, RatingGroup
    from simrenew.kit import clock

    brand = create_brand()
    create_rates(brand)
    line = create_line(brand, credit=1000)
    client = network_client()
    first = Session(client, line)
    first.start(data=MB_BYTES)
    first.release(data=MB_BYTES)  # 10 c at the first rate, which this process now keeps
    assert line_queries.balances(line).credit_amount == 990
    Rate.objects.create(
        brand=brand,
        rating_group=RatingGroup.DATA,
        valid_from=clock.now() - timedelta(seconds=1),
        price_amount=30,
        per_units=MB_BYTES,
        rounding_units=1024,
    )
    second = Session(client, line)
    second.start(data=MB_BYTES)
    second.release(data=MB_BYTES)
    assert line_queries.balances(line).credit_amount == 990 - 30
