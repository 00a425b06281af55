"""Statement budgets of a POS sale, measured on PostgreSQL in a real transaction."""

import pytest
from django.db import connection

from simrenew.ledger import service as ledger
from tests.api.test_pos import BASE
from tests.budgets import assert_within, counting
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.retail.factories import TerminalClient, create_outlet, create_retailer, create_terminal, set_rate

pytestmark = pytest.mark.django_db(transaction=True)

# Issue 8 asks for at most 20 and 22; a sale does less today (the ledger locks, checks and changes the
# guarded balances in one statement; the line is found and locked in one), and the budgets follow, so
# that a regression shows.
TOP_UP_BUDGET = 16
BUNDLE_BUDGET = 19


@pytest.fixture
def till(client):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("statement budgets are PostgreSQL's (DATABASE_URL=postgres://…)")
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand)
    create_bundle(brand, code="base-15", price_amount=1500)
    retailer = create_retailer(float_amount=500_000)
    set_rate(retailer, brand, 300)
    terminal, secret = create_terminal(create_outlet(retailer))
    api = TerminalClient(client, terminal.key_id, secret)
    lines = [create_line(brand) for _ in range(4)]
    # First sales warm what a running server has warm (per-process reference data, platform accounts).
    assert (
        api.post(f"{BASE}/sales", {"number": lines[3].msisdn, "product_code": "base-15"}, idempotency_key="wb").status
        == 201
    )
    # A running server meets a new customer's line at nearly every sale: the measured lines' accounts
    # are not among those it keeps, only the platform's and the float's are.
    ledger.clear_account_cache()
    assert (
        api.post(f"{BASE}/sales", {"number": lines[0].msisdn, "topup_amount": 1000}, idempotency_key="w").status == 201
    )
    return api, lines


def test_a_top_up_sale_within_its_budget(till) -> None:  # type: ignore[no-untyped-def]
    api, lines = till
    with counting() as count:
        answer = api.post(f"{BASE}/sales", {"number": lines[1].msisdn, "topup_amount": 2000}, idempotency_key="t-1")
    assert answer.status == 201, answer.body
    assert_within(count, TOP_UP_BUDGET, "POS top-up sale")


def test_a_bundle_sale_within_its_budget(till) -> None:  # type: ignore[no-untyped-def]
    api, lines = till
    with counting() as count:
        answer = api.post(
            f"{BASE}/sales", {"number": lines[2].msisdn, "product_code": "base-15"}, idempotency_key="b-1"
        )
    assert answer.status == 201, answer.body
    assert_within(count, BUNDLE_BUDGET, "POS bundle sale")
