"""Selling from a retailer's float, commission, voids (window, unused), float top-ups."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction

from simrenew.audit.models import AuditEntry
from simrenew.kit import clock
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal, Posting
from simrenew.lines.models import BundlePeriod, PeriodStatus
from simrenew.lines.queries import balances
from simrenew.orders.models import Channel, Order, OrderStatus
from simrenew.promotions.models import Redemption, RedemptionStatus
from simrenew.retail import service
from simrenew.retail.errors import FloatTooLow, SaleAlreadyUsed, SaleAlreadyVoided, UnknownSale, VoidWindowClosed
from simrenew.retail.models import Sale, SaleKind, SaleStatus
from tests.factories import create_brand, create_bundle, create_line, create_order, create_topup_product
from tests.lifecycle import create_promotion
from tests.retail.factories import create_outlet, create_retailer, set_rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    brand = create_brand()
    topup = create_topup_product(brand)
    bundle = create_bundle(brand, price_amount=1500)
    retailer = create_retailer(float_amount=10_000)
    set_rate(retailer, brand, 400)
    outlet = create_outlet(retailer)
    return {
        "brand": brand,
        "topup": topup,
        "bundle": bundle,
        "retailer": retailer,
        "seller": service.Seller(outlet=outlet),
    }


def sell(shop, line, product, amount=None):
    with transaction.atomic():
        return service.sell(seller=shop["seller"], line=line, product=product, topup_amount=amount)


def test_a_top_up_sale_credits_the_line_and_takes_the_float_less_commission(shop):
    line = create_line(shop["brand"])
    sale = sell(shop, line, shop["topup"], 2000)
    assert (sale.kind, sale.amount, sale.commission_amount, sale.status) == (
        SaleKind.TOPUP,
        2000,
        80,
        SaleStatus.COMPLETED,
    )
    assert balances(line).credit_amount == 2000
    assert service.float_balance(shop["retailer"]) == 10_000 - 1920
    order = sale.order
    assert (order.channel, order.method, order.status) == (Channel.POS, "retailer_float", OrderStatus.FULFILLED)
    assert order.receipt.verification_code
    assert ledger.verify() == []


def test_a_bundle_sale_starts_a_period(shop):
    line = create_line(shop["brand"])
    sale = sell(shop, line, shop["bundle"])
    assert sale.kind == SaleKind.BUNDLE
    assert BundlePeriod.objects.get(order_id=sale.order_id).status == PeriodStatus.ACTIVE
    assert service.float_balance(shop["retailer"]) == 10_000 - (1500 - 60)


def test_a_product_rate_wins_over_the_brand_rate(shop):
    set_rate(shop["retailer"], shop["brand"], 250, product=shop["bundle"])
    sale = sell(shop, create_line(shop["brand"]), shop["bundle"])
    assert sale.commission_amount == 38  # 2.5 % of 15.00, rounded half up


def test_a_sale_the_float_does_not_cover_is_refused_and_writes_nothing(shop):
    line = create_line(shop["brand"])
    retailer = create_retailer(float_amount=1000)
    seller = service.Seller(outlet=create_outlet(retailer))
    journals, orders = Journal.objects.count(), Order.objects.count()
    with pytest.raises(FloatTooLow), transaction.atomic():
        service.sell(seller=seller, line=line, product=shop["topup"], topup_amount=2000)
    assert service.float_balance(retailer) == 1000
    assert balances(line).credit_amount == 0
    assert (Journal.objects.count(), Order.objects.count(), Sale.objects.count()) == (journals, orders, 0)


def test_void_within_the_window_reverses_the_journal(shop):
    line = create_line(shop["brand"])
    sale = sell(shop, line, shop["topup"], 2000)
    with transaction.atomic():
        voided = service.void_sale(seller=shop["seller"], number=sale.number)
    assert voided.status == SaleStatus.VOIDED
    assert voided.order.status == OrderStatus.REFUNDED
    assert balances(line).credit_amount == 0
    assert service.float_balance(shop["retailer"]) == 10_000
    reverse = Journal.objects.get(key=f"order:{sale.order_id}:void")
    fulfil = Journal.objects.get(key=f"order:{sale.order_id}:fulfil")
    assert sorted((p.account_id, -p.amount) for p in reverse.postings.all()) == sorted(
        (p.account_id, p.amount) for p in fulfil.postings.all()
    )
    assert AuditEntry.objects.filter(action="retail.void", target=f"sale:{sale.number}").count() == 1
    with pytest.raises(SaleAlreadyVoided), transaction.atomic():
        service.void_sale(seller=shop["seller"], number=sale.number)
    assert ledger.verify() == []


def test_void_after_the_window_is_refused(shop):
    line = create_line(shop["brand"])
    sale = sell(shop, line, shop["topup"], 2000)
    postings = Posting.objects.count()
    with (
        time_machine.travel(clock.now() + timedelta(minutes=10, seconds=1)),
        pytest.raises(VoidWindowClosed),
        transaction.atomic(),
    ):
        service.void_sale(seller=shop["seller"], number=sale.number)
    assert Sale.objects.get(pk=sale.pk).status == SaleStatus.COMPLETED
    assert Posting.objects.count() == postings


def test_void_window_is_configurable(shop, settings):
    settings.RETAIL_VOID_WINDOW_MINUTES = 30
    sale = sell(shop, create_line(shop["brand"]), shop["topup"], 2000)
    with time_machine.travel(clock.now() + timedelta(minutes=29)), transaction.atomic():
        assert service.void_sale(seller=shop["seller"], number=sale.number).status == SaleStatus.VOIDED


def test_void_of_a_top_up_whose_credit_was_spent_is_refused(shop):
    line = create_line(shop["brand"])
    sale = sell(shop, line, shop["topup"], 2000)
    create_order(line=line, product=create_bundle(shop["brand"], price_amount=1500), method="credit")
    postings = Posting.objects.count()
    with pytest.raises(SaleAlreadyUsed), transaction.atomic():
        service.void_sale(seller=shop["seller"], number=sale.number)
    assert Posting.objects.count() == postings
    assert Sale.objects.get(pk=sale.pk).status == SaleStatus.COMPLETED
    assert service.float_balance(shop["retailer"]) == 10_000 - 1920


def test_void_of_a_bundle_withdraws_the_unused_period(shop):
    line = create_line(shop["brand"])
    sale = sell(shop, line, shop["bundle"])
    with transaction.atomic():
        service.void_sale(seller=shop["seller"], number=sale.number)
    period = BundlePeriod.objects.get(order_id=sale.order_id)
    assert period.status == PeriodStatus.EXPIRED
    assert service.float_balance(shop["retailer"]) == 10_000
    assert ledger.verify() == []


def test_void_of_a_promoted_bundle_gives_the_promotion_budget_back(shop):
    promotion = create_promotion(
        code="pos-20", starts_at=clock.now() - timedelta(days=1), percent_bp=2000, budget_amount=1000
    )
    line = create_line(shop["brand"])
    sale = sell(shop, line, shop["bundle"])
    promotion.refresh_from_db()
    assert (promotion.spent_amount, promotion.redemptions_count) == (300, 1)
    with transaction.atomic():
        service.void_sale(seller=shop["seller"], number=sale.number)
    promotion.refresh_from_db()
    assert (promotion.spent_amount, promotion.redemptions_count) == (0, 0)
    assert Redemption.objects.get(order_id=sale.order_id).status == RedemptionStatus.RELEASED
    assert ledger.verify() == []


def test_void_of_a_bundle_already_used_is_refused(shop):
    line = create_line(shop["brand"])
    sale = sell(shop, line, shop["bundle"])
    BundlePeriod.objects.filter(order_id=sale.order_id).update(data_mb_left=100)
    with pytest.raises(SaleAlreadyUsed), transaction.atomic():
        service.void_sale(seller=shop["seller"], number=sale.number)
    assert Order.objects.get(pk=sale.order_id).status == OrderStatus.FULFILLED


def test_another_outlet_cannot_void_or_see_the_sale(shop):
    sale = sell(shop, create_line(shop["brand"]), shop["topup"], 2000)
    other_retailer = service.Seller(outlet=create_outlet(create_retailer()))
    with pytest.raises(UnknownSale):
        service.sale_of(seller=other_retailer, number=sale.number)
    same_retailer_other_outlet = service.Seller(outlet=create_outlet(shop["retailer"]))
    with pytest.raises(UnknownSale), transaction.atomic():
        service.void_sale(seller=same_retailer_other_outlet, number=sale.number)


def test_float_top_up_posts_from_the_deposits_account(shop):
    with transaction.atomic():
        deposit = service.top_up_float(retailer=shop["retailer"], amount=2500, reference="wire 42")
    assert service.float_balance(shop["retailer"]) == 12_500
    journal = Journal.objects.get(key=deposit.journal_key)
    assert sorted(p.amount for p in journal.postings.all()) == [-2500, 2500]
    assert AuditEntry.objects.filter(action="retail.float_topped_up").count() == 2
