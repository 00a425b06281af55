"""Refunds decided and booked (orders.refunds): what each refund takes back, what it books, and what it
refuses while changing nothing. The provider call after commit is covered by test_provider_flow."""

from unittest import mock

import pytest
from django.db import transaction
from django.tasks import Task

from simrenew.kit.money import vat_included
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, Journal, Posting
from simrenew.lines.models import BundlePeriod, PeriodStatus
from simrenew.lines.queries import balances
from simrenew.orders import refunds
from simrenew.orders.errors import (
    BundleNotWhole,
    BundleUsed,
    CreditSpent,
    OrderNotRefundable,
    RefundAmountInvalid,
    RefundReasonMissing,
)
from simrenew.orders.models import Order, OrderStatus, Refund, RefundStatus
from tests import factories
from tests.refunds.factories import paid_online_order, spend_credit

pytestmark = pytest.mark.django_db


def refund(order: Order, amount: int, *, reason: str = "Customer changed their mind", reverse: bool = True) -> Refund:
    with transaction.atomic():
        return refunds.request_refund(
            order_id=order.pk, amount=amount, reason=reason, actor=None, reverse_fulfilment=reverse
        )


def postings_of(key: str) -> dict[str, int]:
    rows = Posting.objects.filter(journal__key=key).values_list("account__code", "amount")
    found: dict[str, int] = {}
    for code, amount in rows:
        found[code] = found.get(code, 0) + amount
    return found


def snapshot(order: Order) -> tuple:
    order.refresh_from_db()
    return (
        order.status,
        Refund.objects.count(),
        Journal.objects.count(),
        tuple(Account.objects.order_by("code").values_list("code", "balance_amount")),
        tuple(BundlePeriod.objects.order_by("pk").values_list("status", "ends_at")),
    )


def test_a_full_refund_of_an_unused_bundle_withdraws_it_and_reverses_revenue_and_vat(
    django_capture_on_commit_callbacks,
):
    order = paid_online_order(price_amount=1500)
    period = BundlePeriod.objects.get(order_id=order.pk)
    assert period.status == PeriodStatus.ACTIVE

    with django_capture_on_commit_callbacks() as callbacks:
        made = refund(order, 1500)

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert (made.status, made.item_amount, made.fee_amount, made.reversed_fulfilment) == ("requested", 1500, 0, True)
    assert BundlePeriod.objects.get(pk=period.pk).status == PeriodStatus.EXPIRED
    vat = vat_included(1500)
    assert postings_of(f"refund:{made.pk}") == {
        "platform:refunds_payable": 1500,
        f"brand:{order.line.brand.code}:revenue": -(1500 - vat),
        "platform:vat_payable": -vat,
    }
    # The provider call and the customer's e-mail, after commit only (this backend runs jobs at once).
    with mock.patch.object(Task, "enqueue", autospec=True) as enqueue:
        for callback in callbacks:
            callback()
    assert sorted(call.args[0].name for call in enqueue.call_args_list) == ["send_refund", "send_refund_notice"]
    assert refunds.refundable_amount(order) == 0
    assert ledger.verify() == []


def test_partial_refunds_of_a_top_up_take_back_unspent_credit_and_add_up_to_the_total():
    line = factories.create_line(credit=200)
    order = paid_online_order(line=line, topup_amount=2000)
    assert balances(line).credit_amount == 2200

    first = refund(order, 700)
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert balances(line).credit_amount == 1500
    assert refunds.refundable_amount(order) == 1300
    assert postings_of(f"refund:{first.pk}") == {"platform:refunds_payable": 700, line.credit_account_code: -700}

    second = refund(order, 1300)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert balances(line).credit_amount == 200  # what the line had before the top-up
    assert second.item_amount == 1300
    assert ledger.verify() == []


def test_more_than_what_is_left_is_refused_and_changes_nothing():
    order = paid_online_order(topup_amount=1000)
    refund(order, 400)
    before = snapshot(order)
    with pytest.raises(RefundAmountInvalid) as refused:
        refund(order, 601)
    assert "€6.00" in str(refused.value)
    with pytest.raises(RefundAmountInvalid):
        refund(order, 0)
    assert snapshot(order) == before


def test_a_reason_is_required():
    order = paid_online_order(topup_amount=1000)
    before = snapshot(order)
    with pytest.raises(RefundReasonMissing):
        refund(order, 100, reason="   ")
    assert snapshot(order) == before


def test_only_a_completed_order_paid_online_is_refunded():
    line = factories.create_line(credit=5000)
    paid_by_credit = factories.create_order(line=line, method="credit")
    assert paid_by_credit.status == OrderStatus.FULFILLED
    with pytest.raises(OrderNotRefundable):
        refund(paid_by_credit, 100)
    unpaid = factories.create_order(line=line)
    with pytest.raises(OrderNotRefundable):
        refund(unpaid, 100)
    assert Refund.objects.count() == 0


def test_a_bundle_is_taken_back_only_whole_and_unused_else_only_without_taking_it_back():
    order = paid_online_order(price_amount=1500)
    before = snapshot(order)
    with pytest.raises(BundleNotWhole):
        refund(order, 500)
    assert snapshot(order) == before

    period = BundlePeriod.objects.get(order_id=order.pk)
    if period.data_mb_left:
        BundlePeriod.objects.filter(pk=period.pk).update(data_mb_left=period.data_mb_left - 1)
    else:
        BundlePeriod.objects.filter(pk=period.pk).update(voice_minutes_left=(period.voice_minutes_left or 1) - 1)
    before = snapshot(order)
    with pytest.raises(BundleUsed):
        refund(order, 1500)
    assert snapshot(order) == before

    goodwill = refund(order, 500, reverse=False, reason="Network outage for a week")
    assert goodwill.reversed_fulfilment is False
    assert BundlePeriod.objects.get(pk=period.pk).status == PeriodStatus.ACTIVE
    vat = vat_included(500)
    assert postings_of(f"refund:{goodwill.pk}") == {
        "platform:refunds_payable": 500,
        f"brand:{order.line.brand.code}:revenue": -(500 - vat),
        "platform:vat_payable": -vat,
    }
    assert ledger.verify() == []


def test_spent_credit_is_never_taken_back_below_zero_and_may_be_refunded_without_taking_back():
    line = factories.create_line()
    order = paid_online_order(line=line, topup_amount=1500)
    spend_credit(line, 1000)
    assert balances(line).credit_amount == 500

    before = snapshot(order)
    with pytest.raises(CreditSpent) as refused:
        refund(order, 1500)
    assert "€5.00" in str(refused.value)
    assert snapshot(order) == before

    unspent = refund(order, 500)
    assert balances(line).credit_amount == 0
    spent = refund(order, 1000, reverse=False, reason="Charged twice for roaming by mistake")
    assert balances(line).credit_amount == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    vat = vat_included(1000)
    assert postings_of(f"refund:{spent.pk}")[f"brand:{line.brand.code}:revenue"] == -(1000 - vat)
    assert unspent.status == spent.status == RefundStatus.REQUESTED
    assert ledger.verify() == []


def test_partial_vat_adds_up_to_the_vat_of_the_whole_price():
    order = paid_online_order(price_amount=1999)
    parts = [refund(order, amount, reverse=False) for amount in (333, 333, 1333)]
    vat_back = sum(postings_of(f"refund:{part.pk}")["platform:vat_payable"] for part in parts)
    assert vat_back == -vat_included(1999)
    assert ledger.verify() == []
