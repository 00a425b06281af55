"""Row locks under real concurrency (PostgreSQL): twenty customers renew from one line's credit
at the same moment, and locks taken on one row do not spill over to the rows it joins.

Each thread has its own database connection and transaction; the line's credit covers exactly
five renewals. Exactly five must succeed, fifteen must be refused, and the ledger must balance.
"""

import threading

import pytest
from django.db import OperationalError, connection, transaction

from simrenew.brands.models import Brand
from simrenew.catalog.models import Product
from simrenew.ledger import service as ledger
from simrenew.ledger.errors import InsufficientFunds
from simrenew.ledger.models import Account, Journal
from simrenew.lines import service as lines
from simrenew.lines.models import BundlePeriod, Line
from simrenew.lines.queries import balances
from simrenew.orders import service as orders
from simrenew.orders.models import Order, OrderStatus, Receipt
from tests import factories
from tests.concurrency import race
from tests.factories import create_brand, create_bundle, create_line, create_order

THREADS = 20
PRICE = 1000
RENEWALS_COVERED = 5

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so it cannot show row-lock races "
        "(run with DATABASE_URL=postgres://…)",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_twenty_concurrent_renewals_from_credit_for_five():
    # given a line whose credit covers exactly five 10.00 renewals
    brand = create_brand()
    bundle = create_bundle(brand, price_amount=PRICE)
    line = create_line(brand, credit=PRICE * RENEWALS_COVERED)
    own = [
        (Line.objects.select_related("brand").get(pk=line.pk), Product.objects.get(pk=bundle.pk))
        for _ in range(THREADS)
    ]
    lowest_seen: list[int] = []

    def renew(index: int) -> int:
        own_line, own_product = own[index]
        try:
            with transaction.atomic():
                return factories.place_order(customer=None, line=own_line, product=own_product, method="credit").pk
        finally:  # fulfilled or refused: the credit as seen once this thread's transaction is over
            lowest_seen.append(Account.objects.get(code=line.credit_account_code).balance_amount)

    # when twenty threads renew at once
    outcomes = race(THREADS, renew)

    # then exactly five were fulfilled and fifteen refused, with no other error
    kinds = sorted(kind for kind, _ in outcomes)
    assert [o for o in outcomes if o[0] == "error"] == []
    assert kinds.count("ok") == RENEWALS_COVERED
    assert kinds.count(InsufficientFunds.__name__) == THREADS - RENEWALS_COVERED
    fulfilled_ids = {pk for kind, pk in outcomes if kind == "ok"}
    assert set(Order.objects.values_list("pk", flat=True)) == fulfilled_ids
    assert Order.objects.filter(status=OrderStatus.FULFILLED).count() == RENEWALS_COVERED
    assert Receipt.objects.count() == RENEWALS_COVERED
    assert BundlePeriod.objects.filter(line=line).count() == RENEWALS_COVERED
    assert Journal.objects.filter(key__startswith="order:").count() == RENEWALS_COVERED
    # and the balance never went below zero and ends exactly at zero
    assert min(lowest_seen) >= 0
    assert balances(line).credit_amount == 0
    assert ledger.balance(Account.objects.get(code=line.credit_account_code)) == 0
    assert ledger.verify() == []


def _lockable_elsewhere(model: type, pk: int) -> bool:
    """Whether another connection can lock this row right now (NOWAIT)."""
    result: list[bool] = []

    def attempt() -> None:
        try:
            with transaction.atomic():
                model.objects.select_for_update(nowait=True).get(pk=pk)
            result.append(True)
        except OperationalError:
            result.append(False)
        finally:
            connection.close()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(timeout=30)
    return result == [True]


def test_locking_an_order_locks_neither_its_line_nor_its_brand_nor_its_product():
    # Lock order is line → order. Locking the order must not also take the line (a webhook holding
    # the line would deadlock with the confirmation job holding the order), nor the brand and
    # product rows that every sale of the brand shares.
    brand = create_brand()
    line = create_line(brand)
    order = create_order(line=line, product=create_bundle(brand), method="bancontact")
    with transaction.atomic():
        orders.lock_order(order.pk)
        assert _lockable_elsewhere(Order, order.pk) is False
        assert _lockable_elsewhere(Line, line.pk) is True
        assert _lockable_elsewhere(Brand, brand.pk) is True
        assert _lockable_elsewhere(Product, order.product_id) is True


def test_locking_a_line_does_not_lock_its_brand():
    brand = create_brand()
    line = create_line(brand)
    with transaction.atomic():
        lines.lock_line(line.pk)
        assert _lockable_elsewhere(Line, line.pk) is False
        assert _lockable_elsewhere(Brand, brand.pk) is True
