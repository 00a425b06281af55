"""A stateful property test of the money rules: random top-ups, renewals from credit, paid
renewals, failed payments and repeated payment reports against a simple model of each line.

Each Hypothesis example runs inside its own savepoint, rolled back in `teardown`, so every
example starts from the same empty database (inside pytest-django's test transaction).
"""

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from simrenew.ledger import service as ledger
from simrenew.ledger.errors import InsufficientFunds
from simrenew.ledger.models import Account, Journal, Posting
from simrenew.lines.queries import balances
from simrenew.orders.models import Order, OrderStatus
from tests import factories
from tests.factories import (
    create_brand,
    create_bundle,
    create_line,
    create_order,
    create_topup_product,
    fail_payment,
    fulfil_paid,
    post_bonus,
)

BUNDLE_PRICES = [500, 1000, 1500]
TOPUP_AMOUNTS = [500, 1000, 2500]
OPENING_CREDIT = [0, 1200]
ONLINE = ["bancontact", "creditcard", "paypal", "banktransfer"]
LINES = st.integers(min_value=0, max_value=len(OPENING_CREDIT) - 1)
BUNDLES = st.integers(min_value=0, max_value=len(BUNDLE_PRICES) - 1)


def _ledger_state() -> tuple[int, int, tuple]:
    return (
        Journal.objects.count(),
        Posting.objects.count(),
        tuple(Account.objects.order_by("id").values_list("code", "balance_amount")),
    )


class LedgerMachine(RuleBasedStateMachine):
    paid_orders = Bundle("paid_orders")

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        brand = create_brand()
        self.products = [create_bundle(brand, price_amount=price) for price in BUNDLE_PRICES]
        self.topup = create_topup_product(brand, amounts=TOPUP_AMOUNTS)
        self.lines = [create_line(brand, credit=credit) for credit in OPENING_CREDIT]
        self.credit = list(OPENING_CREDIT)
        self.bonus = [0 for _ in OPENING_CREDIT]
        self.fulfilled: set[int] = set()
        self.unfulfilled: set[int] = set()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- Rules --------------------------------------------------------------------------------

    @rule(target=paid_orders, index=LINES, amount=st.sampled_from(TOPUP_AMOUNTS), method=st.sampled_from(ONLINE))
    def top_up(self, index: int, amount: int, method: str) -> int:
        order = create_order(line=self.lines[index], product=self.topup, method=method, topup_amount=amount)
        assert order.status == OrderStatus.CREATED
        order = fulfil_paid(order)
        assert order.status == OrderStatus.FULFILLED
        self.credit[index] += amount
        self.fulfilled.add(order.pk)
        return order.pk

    @rule(index=LINES, amount=st.sampled_from([100, 300]))
    def promotion_bonus(self, index: int, amount: int) -> None:
        post_bonus(self.lines[index], amount)
        self.bonus[index] += amount

    @rule(index=LINES, which=BUNDLES)
    def renew_from_credit(self, index: int, which: int) -> None:
        price = BUNDLE_PRICES[which]
        before = (_ledger_state(), Order.objects.count())
        try:
            with transaction.atomic():
                order = factories.place_order(
                    customer=None, line=self.lines[index], product=self.products[which], method="credit"
                )
        except InsufficientFunds:
            # Refused only when the model agrees, and then nothing at all changed.
            assert self.credit[index] + self.bonus[index] < price
            assert (_ledger_state(), Order.objects.count()) == before
            return
        assert self.credit[index] + self.bonus[index] >= price
        assert order.status == OrderStatus.FULFILLED
        from_bonus = min(self.bonus[index], price)
        self.bonus[index] -= from_bonus
        self.credit[index] -= price - from_bonus
        self.fulfilled.add(order.pk)

    @rule(target=paid_orders, index=LINES, which=BUNDLES, method=st.sampled_from(ONLINE))
    def renew_paid_online(self, index: int, which: int, method: str) -> int:
        order = fulfil_paid(create_order(line=self.lines[index], product=self.products[which], method=method))
        assert order.status == OrderStatus.FULFILLED
        self.fulfilled.add(order.pk)
        return order.pk

    @rule(
        index=LINES,
        topup=st.booleans(),
        method=st.sampled_from(ONLINE),
        outcome=st.sampled_from([OrderStatus.FAILED, OrderStatus.CANCELLED, OrderStatus.EXPIRED]),
    )
    def failed_payment(self, index: int, topup: bool, method: str, outcome: str) -> None:
        before = _ledger_state()
        if topup:
            order = create_order(line=self.lines[index], product=self.topup, method=method, topup_amount=1000)
        else:
            order = create_order(line=self.lines[index], product=self.products[0], method=method)
        closed = fail_payment(order, status=outcome)
        assert closed.status == outcome
        assert _ledger_state() == before
        self.unfulfilled.add(order.pk)

    @rule(order_id=paid_orders)
    def payment_reported_paid_again(self, order_id: int) -> None:
        before = _ledger_state()
        fulfil_paid(Order.objects.get(pk=order_id))
        assert _ledger_state() == before

    # --- Invariants ---------------------------------------------------------------------------

    @invariant()
    def every_journal_sums_to_zero(self) -> None:
        unbalanced = Posting.objects.values("journal_id").annotate(total=Sum("amount")).exclude(total=0)
        assert list(unbalanced) == []

    @invariant()
    def guarded_balances_match_postings_and_are_not_negative(self) -> None:
        for account in Account.objects.filter(guarded=True):
            assert account.balance_amount == ledger.balance(account), account.code
            assert account.balance_amount >= 0, account.code
        assert ledger.verify() == []

    @invariant()
    def lines_hold_what_the_model_expects(self) -> None:
        for index, line in enumerate(self.lines):
            found = balances(line)
            assert found.credit_amount == self.credit[index]
            assert found.bonus_amount == self.bonus[index]

    @invariant()
    def exactly_the_fulfilled_orders_have_a_fulfilment_journal(self) -> None:
        keys = set(Journal.objects.filter(key__startswith="order:").values_list("key", flat=True))
        assert keys == {f"order:{pk}:fulfil" for pk in self.fulfilled}
        assert set(Order.objects.filter(status=OrderStatus.FULFILLED).values_list("pk", flat=True)) == self.fulfilled
        assert not Order.objects.filter(pk__in=self.unfulfilled, status=OrderStatus.FULFILLED).exists()


@pytest.mark.django_db
def test_ledger_state_machine():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )
