"""Statements per charging decision: a budget that fails with the list of statements when it drifts."""

import pytest

from simrenew.charging.models import MB_BYTES
from simrenew.lines import queries as line_queries
from tests.charging.helpers import Session, create_rates, give_bundle, network_client
from tests.factories import create_brand, create_line

pytestmark = pytest.mark.django_db

# Inside the caller's transaction (a savepoint here, 2 statements). A create: lock the line, read the
# client's key, balances, holds, bundle, carry, rates; insert the session and its reservation; store
# the answer. An update also reads the session and its reservations, and settles: the journal (3), the
# period and its carry, the usage row; then the reservation and the session.
CREATE_BUDGET = 12
UPDATE_BUDGET = 21


def test_statements_per_decision(django_assert_max_num_queries, django_capture_on_commit_callbacks):
    brand = create_brand()
    create_rates(brand)
    line = create_line(brand, credit=1000)
    give_bundle(line, data_mb=1)
    client = network_client()
    with django_capture_on_commit_callbacks(execute=True):  # a process that has met the line's accounts
        warm = Session(client, line)
        warm.start(data=MB_BYTES + MB_BYTES // 2)
        warm.release(data=MB_BYTES + MB_BYTES // 2)  # the bundle's MB and half a MB from credit
    give_bundle(line, data_mb=1)  # a new bundle (queued after the first: the first is used up)
    session = Session(client, line)
    with django_assert_max_num_queries(CREATE_BUDGET):
        session.start(data=2 * MB_BYTES)
    with django_assert_max_num_queries(UPDATE_BUDGET):
        session.update({"data": 2 * MB_BYTES}, data=2 * MB_BYTES)  # one MB from the bundle, one from credit
    assert line_queries.balances(line).credit_amount == 1000 - 5 - 10
