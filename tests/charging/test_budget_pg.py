"""Statement budgets of charging decisions through the Nchf API, on PostgreSQL in a real transaction:
a create, an update and a release of a data session charged to credit (the benchmark's path), each as
the network sends it (signed), counted from the authentication to the commit."""

import pytest
from django.db import connection

from simrenew.charging.models import MB_BYTES
from simrenew.ledger import service as ledger
from simrenew.lines import queries as line_queries
from tests.budgets import assert_within, counting
from tests.charging.helpers import create_rates
from tests.charging.test_api import BASE, Network, create_body, used_body
from tests.factories import create_brand, create_line

pytestmark = pytest.mark.django_db(transaction=True)

# A create: the reference generation (authentication); BEGIN, the request's nonce, the line locked by
# its number, the client's key, the session, the line's balances, holds and bundle (one
# statement), the reservation, the answer; COMMIT.
CREATE_BUDGET = 10
# An update or a release: the generation; BEGIN, the nonce, the session's line locked, the session
# with its reservations (one statement), the line's balances, holds and bundle (one statement); the usage
# row, the journal (3: the guarded balance, the journal, its postings); the reservation, the session,
# the answer; COMMIT.
UPDATE_BUDGET = 14
RELEASE_BUDGET = 14


@pytest.fixture
def network(client):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("statement budgets are PostgreSQL's (DATABASE_URL=postgres://…)")
    brand = create_brand()
    create_rates(brand)
    lines = [create_line(brand, credit=1000) for _ in range(2)]
    network = Network(client)
    # A first session warms what a running server has warm (the network client, the brand's rates, the
    # brand's revenue and the VAT accounts); a running server meets new lines all the time: the
    # measured line's own accounts are not among those it keeps.
    for key in ("warm-1", "warm-2"):
        warm = network.post(BASE, create_body(lines[1], data=MB_BYTES), key=key)
        assert warm.status_code == 201, warm.content
        ref = warm["Location"].rsplit("/", 1)[1]
        assert network.post(f"{BASE}/{ref}/release", used_body(1, MB_BYTES)).status_code == 204
        if key == "warm-1":
            ledger.clear_account_cache()
    assert f"line:{lines[0].pk}:credit" not in ledger._accounts
    return network, lines[0]


def test_a_create_an_update_and_a_release_within_their_budgets(network) -> None:  # type: ignore[no-untyped-def]
    api, line = network
    with counting() as count:
        created = api.post(BASE, create_body(line, data=MB_BYTES), key="measured")
    assert created.status_code == 201, created.content
    assert_within(count, CREATE_BUDGET, "charging create")
    assert count.autocommitted_writes == []  # the nonce too: one commit, one WAL flush, a decision
    ref = created["Location"].rsplit("/", 1)[1]

    with counting() as count:
        updated = api.post(f"{BASE}/{ref}/update", used_body(1, MB_BYTES, MB_BYTES))
    assert updated.status_code == 200, updated.content
    assert_within(count, UPDATE_BUDGET, "charging update")
    assert count.autocommitted_writes == []

    with counting() as count:
        released = api.post(f"{BASE}/{ref}/release", used_body(2, MB_BYTES // 2))
    assert released.status_code == 204, released.content
    assert_within(count, RELEASE_BUDGET, "charging release")
    assert count.autocommitted_writes == []

    # 10 c a MB, billed per KiB: a MB and half a MB used.
    assert line_queries.balances(line).credit_amount == 1000 - 10 - 5
