"""Races on PostgreSQL: fifty tills sell at once from a float that covers ten; two people redeem one PIN.

Each thread has its own connection and transaction. SQLite serialises every writer, so it cannot
show row-lock races: these run only with DATABASE_URL=postgres://….
"""

import pytest
from django.db import connection, transaction

from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account
from simrenew.lines.models import Line
from simrenew.lines.queries import balances
from simrenew.retail import queries, service
from simrenew.retail.errors import FloatTooLow
from simrenew.retail.models import Outlet, Sale
from simrenew.vouchers import service as vouchers
from simrenew.vouchers.errors import PinAlreadyRedeemed
from simrenew.vouchers.models import Voucher, VoucherState
from tests.concurrency import race
from tests.factories import create_brand, create_line, create_topup_product
from tests.retail.factories import create_outlet, create_retailer
from tests.vouchers.factories import sell_pin

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"),
    pytest.mark.django_db(transaction=True),
]


def test_fifty_parallel_sales_on_a_float_that_covers_ten():
    brand = create_brand()
    topup = create_topup_product(brand)
    retailer = create_retailer(float_amount=10 * 1000)
    outlet = create_outlet(retailer)
    lines = [create_line(brand) for _ in range(50)]

    def sell(index: int) -> str:
        seller = service.Seller(outlet=Outlet.objects.select_related("retailer").get(pk=outlet.pk))
        line = Line.objects.select_related("brand").get(pk=lines[index].pk)
        with transaction.atomic():
            return service.sell(seller=seller, line=line, product=topup, topup_amount=1000).number

    outcomes = race(50, sell)
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("error") == 0, outcomes
    assert kinds.count("ok") == 10
    assert kinds.count(FloatTooLow.__name__) == 40
    assert Sale.objects.count() == 10
    assert service.float_balance(retailer) == 0
    assert sum(balances(line).credit_amount for line in lines) == 10 * 1000
    # the settlement equals the ledger
    result = queries.settlement(retailer=retailer, day=queries.today())
    float_account = Account.objects.get(code=retailer.float_account_code)
    assert result.reconciles
    assert (result.totals.sales_count, result.totals.sales_amount) == (10, 10 * 1000)
    assert result.closing_amount == ledger.balance(float_account) == float_account.balance_amount == 0
    assert result.opening_amount + result.totals.float_amount == result.closing_amount
    assert ledger.verify() == []


def test_two_racing_redemptions_of_one_pin():
    brand = create_brand()
    create_topup_product(brand)
    issued = sell_pin(brand, 2000)
    lines = [create_line(brand), create_line(brand)]

    def redeem(index: int) -> str:
        line = Line.objects.select_related("brand").get(pk=lines[index].pk)
        return vouchers.redeem(
            code=issued.pin, line=line, channel="portal", guesser=vouchers.Guesser(account=index + 1)
        ).order.number

    outcomes = race(2, redeem)
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == sorted(["ok", PinAlreadyRedeemed.__name__]), outcomes
    assert sorted(balances(line).credit_amount for line in lines) == [0, 2000]
    assert Voucher.objects.get(pk=issued.voucher.pk).state == VoucherState.REDEEMED
    assert ledger.balance(vouchers.liability_account(brand)) == 0
    assert ledger.verify() == []
