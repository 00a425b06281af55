"""orders.service: placing orders, paying from credit, and fulfilling exactly once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from simrenew.ledger import service as ledger
from simrenew.ledger.errors import InsufficientFunds
from simrenew.ledger.models import Account, Journal, Posting
from simrenew.lines.models import BundlePeriod, LineStatus, PeriodStatus
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders import service as orders
from simrenew.orders.errors import OrderNotOpen
from simrenew.orders.models import Order, OrderKind, OrderStatus, Receipt
from simrenew.orders.tasks import send_confirmation
from tests import factories
from tests.factories import (
    create_brand,
    create_bundle,
    create_customer,
    create_line,
    create_order,
    create_topup_product,
    fail_payment,
    fulfil_paid,
    post_bonus,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def brand():
    return create_brand(code="acme", credit_validity_days=365)


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, price_amount=1500, validity_days=30)


def _postings(order: Order) -> dict[str, int]:
    journal = Journal.objects.get(key=f"order:{order.pk}:fulfil")
    result: dict[str, int] = {}
    for code, amount in journal.postings.values_list("account__code", "amount"):
        result[code] = result.get(code, 0) + amount
    return result


def _state() -> tuple:
    return (
        Order.objects.count(),
        Journal.objects.count(),
        Posting.objects.count(),
        BundlePeriod.objects.count(),
        Receipt.objects.count(),
        OutboxMessage.objects.count(),
        tuple(Account.objects.order_by("id").values_list("code", "balance_amount")),
    )


def test_an_online_order_waits_for_payment_and_posts_nothing(brand, bundle):
    # given a customer and their line
    customer = create_customer(email="an@example.be", language="fr")
    line = create_line(brand, credit=0)
    # when a renewal paid with PayPal is placed
    with transaction.atomic():
        order = factories.place_order(customer=customer, line=line, product=bundle, method="paypal", language="fr")
    # then it is created at the quoted price, and nothing is delivered yet
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED
    assert order.number.startswith("SR-")
    assert len(order.number) == 11
    assert (order.list_amount, order.discount_amount, order.fee_amount) == (1500, 0, 64)
    assert (order.total_amount, order.vat_amount) == (1564, 271)
    assert (order.kind, order.channel, order.language, order.email) == ("bundle", "web", "fr", "an@example.be")
    assert Journal.objects.count() == 0
    assert not Journal.objects.filter(key=f"order:{order.pk}:fulfil").exists()
    assert BundlePeriod.objects.count() == 0
    assert not Receipt.objects.filter(order=order).exists()


def test_a_renewal_from_credit_is_fulfilled_at_once(brand, bundle, django_capture_on_commit_callbacks):
    # given a line with 20.00 credit and its customer
    customer = create_customer(email="renew@example.be")
    line = create_line(brand, credit=2000)
    # when a 15.00 bundle is paid from credit
    with T0_travel(), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        order = factories.place_order(customer=customer, line=line, product=bundle, method="credit")
    # then the order is fulfilled with a receipt, a running bundle and a balanced journal
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert order.paid_at == T0
    assert order.fulfilled_at == T0
    assert (order.fee_amount, order.total_amount, order.vat_amount) == (0, 1500, 260)
    assert balances(line).credit_amount == 500
    assert _postings(order) == {
        line.credit_account_code: -1500,
        "brand:acme:revenue": 1240,
        "platform:vat_payable": 260,
    }
    period = BundlePeriod.objects.get(order_id=order.pk)
    assert (period.status, period.starts_at, period.ends_at) == (PeriodStatus.ACTIVE, T0, T0 + timedelta(days=30))
    receipt = order.receipt
    assert receipt.number.startswith("R-")
    assert len(receipt.verification_code) == 8
    # and the confirmation e-mail went out once the transaction committed
    mail = OutboxMessage.objects.get(kind=OutboxKind.EMAIL)
    assert mail.recipient == "renew@example.be"
    assert mail.subject == f"Your order {order.number} is complete"
    assert order.number in mail.body
    assert "0470 •• •• " in mail.body
    assert receipt.number in mail.body
    assert f"/en/receipts/{receipt.number}/?code={receipt.verification_code}" in mail.body
    assert receipt.number in mail.html_body
    order.refresh_from_db()
    assert order.confirmation_sent_at is not None
    assert ledger.verify() == []


def T0_travel():
    return time_machine.travel(T0, tick=False)


def test_bonus_credit_is_spent_before_paid_credit(brand, bundle):
    line = create_line(brand, credit=1500)
    post_bonus(line, 300)
    order = create_order(line=line, product=bundle, method="credit")
    assert order.status == OrderStatus.FULFILLED
    found = balances(line)
    assert (found.bonus_amount, found.credit_amount) == (0, 300)
    assert _postings(order)[line.bonus_account_code] == -300
    assert _postings(order)[line.credit_account_code] == -1200
    assert ledger.verify() == []


def test_bonus_and_credit_together_may_cover_a_bundle(brand, bundle):
    line = create_line(brand, credit=1000)
    post_bonus(line, 500)
    order = create_order(line=line, product=bundle, method="credit")
    assert order.status == OrderStatus.FULFILLED
    assert balances(line).total_amount == 0


def test_insufficient_credit_refuses_the_order_and_changes_nothing(brand, bundle):
    # given a line with 14.99 credit
    line = create_line(brand, credit=1499)
    customer = create_customer()
    before = _state()
    # when a 15.00 bundle is paid from credit in the caller's transaction
    with pytest.raises(InsufficientFunds), transaction.atomic():
        factories.place_order(customer=customer, line=line, product=bundle, method="credit")
    # then nothing changed: no order, no journal, no bundle, no mail, same balances
    assert _state() == before
    assert balances(line).credit_amount == 1499


def test_a_paid_bundle_posts_the_provider_clearing_and_the_fee(brand, bundle):
    line = create_line(brand)
    order = create_order(line=line, product=bundle, method="paypal")
    with T0_travel():
        order = fulfil_paid(order)
    assert order.status == OrderStatus.FULFILLED
    assert _postings(order) == {
        "provider:mollie:clearing": -1564,
        "brand:acme:revenue": 1240,
        "platform:vat_payable": 260 + 11,
        "platform:fee_revenue": 53,
    }
    assert balances(line).credit_amount == 0
    assert BundlePeriod.objects.filter(order_id=order.pk).count() == 1
    assert ledger.verify() == []


def test_a_paid_topup_adds_credit_and_extends_its_validity(brand):
    line = create_line(brand, credit=100, status=LineStatus.GRACE, credit_expires_at=T0 - timedelta(days=2))
    product = create_topup_product(brand)
    order = create_order(line=line, product=product, method="creditcard", topup_amount=2000)
    assert (order.kind, order.total_amount, order.vat_amount) == (OrderKind.TOPUP, 2025, 4)
    with T0_travel():
        fulfil_paid(order)
    assert _postings(order) == {
        "provider:mollie:clearing": -2025,
        line.credit_account_code: 2000,
        "platform:fee_revenue": 21,
        "platform:vat_payable": 4,
    }
    line.refresh_from_db()
    assert balances(line).credit_amount == 2100
    assert line.credit_expires_at == T0 + timedelta(days=365)
    assert line.status == LineStatus.ACTIVE
    assert BundlePeriod.objects.count() == 0
    assert ledger.verify() == []


def test_fulfilment_happens_exactly_once(brand, bundle):
    # given a paid order that was fulfilled
    line = create_line(brand)
    order = fulfil_paid(create_order(line=line, product=bundle, method="bancontact"))
    before = _state()
    # when the payment is reported paid again (a repeated webhook)
    again = fulfil_paid(order)
    # then nothing more happened
    assert _state() == before
    assert (again.status, again.fulfilled_at) == (OrderStatus.FULFILLED, order.fulfilled_at)
    assert Journal.objects.filter(key=f"order:{order.pk}:fulfil").count() == 1


def test_a_failed_payment_posts_nothing(brand, bundle):
    line = create_line(brand, credit=700)
    order = create_order(line=line, product=bundle, method="creditcard")
    before = _state()
    with T0_travel():
        closed = fail_payment(order)
    assert (closed.status, closed.closed_at) == (OrderStatus.FAILED, T0)
    assert _state() == before
    assert not Journal.objects.filter(key=f"order:{order.pk}:fulfil").exists()


def test_start_payment_refuses_an_order_that_is_no_longer_open(brand, bundle):
    order = create_order(line=create_line(brand, credit=2000), product=bundle, method="credit")
    with pytest.raises(OrderNotOpen):
        orders.start_payment(order=order, redirect_url="https://x/", webhook_url="https://x/")


def test_the_confirmation_is_sent_once_and_only_with_an_address(brand, bundle):
    customer = create_customer(email="once@example.be")
    line = create_line(brand, credit=3000)
    order = create_order(line=line, product=bundle, method="credit", customer=customer)
    assert send_confirmation.call(order.pk) is True
    assert send_confirmation.call(order.pk) is False
    assert OutboxMessage.objects.filter(recipient="once@example.be").count() == 1
    anonymous = create_order(line=line, product=bundle, method="credit")
    assert anonymous.email == ""
    assert send_confirmation.call(anonymous.pk) is False
    assert OutboxMessage.objects.count() == 1


def test_a_rollback_after_fulfilment_sends_no_mail(brand, bundle, django_capture_on_commit_callbacks):
    customer = create_customer()
    line = create_line(brand, credit=3000)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        factories.place_order(customer=customer, line=line, product=bundle, method="credit")
        raise RuntimeError("something after the order failed")
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert Order.objects.count() == 0
    assert balances(line).credit_amount == 3000
