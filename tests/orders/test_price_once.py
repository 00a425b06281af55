"""A sale is priced once: the quote a channel shows (or charges a card for) is what the order, the
ledger and the commission use, and an order refuses a quote that no longer holds, charging nothing."""

from datetime import timedelta

import pytest
from django.db import transaction

from simrenew.brands.models import PaymentMethod, PaymentMethodFee
from simrenew.kit import clock
from simrenew.ledger.models import Journal
from simrenew.lines.queries import balances
from simrenew.orders import service as orders
from simrenew.orders.errors import QuoteChanged
from simrenew.orders.models import Channel, Order
from simrenew.orders.postings import Funding
from simrenew.orders.quotes import quote_order
from simrenew.promotions.errors import OfferUnavailable
from simrenew.promotions.models import Promotion
from simrenew.retail import service as retail
from tests.factories import create_bundle, create_customer, create_line, create_topup_product
from tests.lifecycle import create_promotion
from tests.retail.factories import create_outlet, create_retailer, set_rate

pytestmark = pytest.mark.django_db


def nothing_charged(line, before_credit: int) -> bool:  # type: ignore[no-untyped-def]
    return (
        not Order.objects.exists()
        and not Journal.objects.filter(key__startswith="order:").exists()
        and (balances(line).credit_amount == before_credit)
    )


def test_a_fee_changed_in_the_back_office_after_the_quote_is_refused(admin_client) -> None:  # type: ignore[no-untyped-def]
    line = create_line(credit=0)
    bundle = create_bundle(line.brand, price_amount=1000)
    customer = create_customer()
    quote = quote_order(line=line, product=bundle, method=PaymentMethod.PAYPAL, channel=Channel.WEB)
    shown_fee = quote.fee_amount
    assert shown_fee > 0

    fee = PaymentMethodFee.objects.get(brand=line.brand, method=PaymentMethod.PAYPAL)
    fee.fixed_amount += 10  # what the back office's fee form saves
    fee.save()

    with pytest.raises(QuoteChanged), transaction.atomic():
        orders.place_order(quote=quote, customer=customer)
    assert nothing_charged(line, 0)
    fresh = quote_order(line=line, product=bundle, method=PaymentMethod.PAYPAL, channel=Channel.WEB)
    assert fresh.fee_amount == shown_fee + 10


def test_a_price_changed_after_the_quote_is_refused() -> None:
    line = create_line(credit=5000)
    bundle = create_bundle(line.brand, price_amount=1000)
    quote = quote_order(line=line, product=bundle, method=PaymentMethod.CREDIT, channel=Channel.WEB)
    bundle.price_amount = 1200
    bundle.save()
    with pytest.raises(QuoteChanged), transaction.atomic():
        orders.place_order(quote=quote, customer=None)
    assert nothing_charged(line, 5000)


def test_a_promotion_whose_budget_ran_out_after_the_quote_charges_nothing() -> None:
    line = create_line(credit=5000)
    bundle = create_bundle(line.brand, price_amount=1000)
    promotion = create_promotion(
        code="LAST", starts_at=clock.now() - timedelta(days=1), amount_off=300, budget_amount=300
    )
    quote = quote_order(line=line, product=bundle, method=PaymentMethod.CREDIT, channel=Channel.WEB)
    assert quote.discount_amount == 300
    # Someone else's order takes the last of the budget between our quote and our sale.
    Promotion.objects.filter(pk=promotion.pk).update(spent_amount=300)

    with pytest.raises(OfferUnavailable), transaction.atomic():
        orders.place_order(quote=quote, customer=None)
    assert nothing_charged(line, 5000)


def test_a_promotion_that_started_after_the_quote_is_refused() -> None:
    line = create_line(credit=5000)
    bundle = create_bundle(line.brand, price_amount=1000)
    quote = quote_order(line=line, product=bundle, method=PaymentMethod.CREDIT, channel=Channel.WEB)
    create_promotion(code="NEW", starts_at=clock.now() - timedelta(minutes=1), amount_off=200)
    with pytest.raises(QuoteChanged), transaction.atomic():
        orders.place_order(quote=quote, customer=None)
    assert nothing_charged(line, 5000)


def test_the_order_the_ledger_and_the_commission_all_come_from_the_one_quote() -> None:
    line = create_line(credit=0)
    create_topup_product(line.brand)
    retailer = create_retailer(float_amount=10_000)
    set_rate(retailer, line.brand, 300)
    seller = retail.Seller(outlet=create_outlet(retailer))
    priced = retail.quote_sale(
        seller=seller, line=line, product=line.brand.products.get(kind="topup"), topup_amount=2000
    )

    with transaction.atomic():
        sale = retail.sell(seller=seller, line=line, product=priced.quote.product, topup_amount=2000)

    assert (sale.amount, sale.commission_amount) == (priced.quote.total_amount, priced.commission_amount)
    order = sale.order
    assert order is not None and order.total_amount == priced.quote.total_amount
    postings = dict(Journal.objects.get(key=f"order:{order.pk}:fulfil").postings.values_list("account__code", "amount"))
    assert postings[retailer.float_account_code] == -(priced.quote.total_amount - priced.commission_amount)
    assert postings["platform:commission_expense"] == -priced.commission_amount
    assert sale.float_balance_after == 10_000 - priced.float_amount


def test_funding_must_match_the_quoted_method() -> None:
    line = create_line(credit=0)
    bundle = create_bundle(line.brand, price_amount=1000)
    quote = quote_order(line=line, product=bundle, method=PaymentMethod.BANCONTACT, channel=Channel.WEB)
    with pytest.raises(ValueError), transaction.atomic():
        orders.place_order(quote=quote, customer=None, funding=Funding(account=retail.deposits_account()))
