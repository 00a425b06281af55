"""A promotion's budget under real concurrency (PostgreSQL): twenty customers on twenty lines buy at
the same moment, each quoted the 3.00 discount, with a budget for exactly five discounts.

Each order quotes and reserves in its own transaction. Exactly five orders carry the discount; the
others are refused with OfferUnavailable (the customer sees the new price and tries again) or, if
they quoted after the budget ran out, are placed at the full price. The budget is never exceeded.
"""

import threading
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
    barrier = threading.Barrier(THREADS)
    outcomes: list[tuple[str, object]] = []
    lock = threading.Lock()

    def buy(line_id: int) -> None:
        outcome: tuple[str, object]
        try:
            line = Line.objects.select_related("brand").get(pk=line_id)
            product = Product.objects.get(pk=bundle.pk)
            barrier.wait(timeout=30)
            try:
                with transaction.atomic():
                    order = factories.place_order(customer=None, line=line, product=product, method="credit")
                outcome = ("discounted" if order.discount_amount else "full_price", order.pk)
            except OfferUnavailable:
                outcome = ("refused", None)
        except Exception as exc:
            outcome = ("error", repr(exc))
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=buy, args=(line.pk,)) for line in lines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assert [o for o in outcomes if o[0] == "error"] == []
    discounted = [o for o in outcomes if o[0] == "discounted"]
    assert len(discounted) == COVERED
    assert len(outcomes) == THREADS
    promotion.refresh_from_db()
    assert (promotion.spent_amount, promotion.redemptions_count) == (DISCOUNT * COVERED, COVERED)
    assert Redemption.objects.count() == COVERED
    assert Order.objects.filter(discount_amount=DISCOUNT).count() == COVERED
    assert sum(Promotion.objects.values_list("spent_amount", flat=True)) <= DISCOUNT * COVERED
    assert ledger.verify() == []
