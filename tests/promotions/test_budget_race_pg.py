"""A promotion's budget under real concurrency (PostgreSQL): twenty customers on twenty lines buy at
the same moment, each quoted the 3.00 discount, with a budget for exactly five discounts.

Each order quotes and reserves in its own transaction. Exactly five orders carry the discount; the
others are refused with OfferUnavailable (the customer sees the new price and tries again) or, if
they quoted after the budget ran out, are placed at the full price. The budget is never exceeded.
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction

from simrenew.catalog.models import Product
from simrenew.kit import clock
from simrenew.ledger import service as ledger
from simrenew.lines.models import Line
from simrenew.orders.models import Order
from simrenew.promotions.errors import OfferUnavailable
from simrenew.promotions.models import Promotion, Redemption
from tests import factories
from tests.concurrency import race
from tests.factories import create_brand, create_bundle, create_line
from tests.lifecycle import create_promotion

THREADS = 20
DISCOUNT = 300
COVERED = 5

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so it cannot show a budget race "
        "(run with DATABASE_URL=postgres://…)",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_twenty_concurrent_orders_never_overspend_a_budget_for_five():
    brand = create_brand()
    bundle = create_bundle(brand, price_amount=1500)
    lines = [create_line(brand, credit=1500) for _ in range(THREADS)]
    promotion = create_promotion(
        code="race", starts_at=clock.now() - timedelta(days=1), percent_bp=2000, budget_amount=DISCOUNT * COVERED
    )
    own = [(Line.objects.select_related("brand").get(pk=line.pk), Product.objects.get(pk=bundle.pk)) for line in lines]

    def buy(index: int) -> str:
        line, product = own[index]
        with transaction.atomic():
            order = factories.place_order(customer=None, line=line, product=product, method="credit")
        return "discounted" if order.discount_amount else "full_price"

    outcomes = race(THREADS, buy)

    # refused (OfferUnavailable) or placed, discounted or at the full price: nothing else
    assert {kind for kind, _ in outcomes} <= {"ok", OfferUnavailable.__name__}, outcomes
    discounted = [o for o in outcomes if o == ("ok", "discounted")]
    assert len(discounted) == COVERED
    assert len(outcomes) == THREADS
    promotion.refresh_from_db()
    assert (promotion.spent_amount, promotion.redemptions_count) == (DISCOUNT * COVERED, COVERED)
    assert Redemption.objects.count() == COVERED
    assert Order.objects.filter(discount_amount=DISCOUNT).count() == COVERED
    assert sum(Promotion.objects.values_list("spent_amount", flat=True)) <= DISCOUNT * COVERED
    assert ledger.verify() == []
