"""orders.quotes: the price breakdown a customer sees before paying."""

import pytest

from simrenew.brands.models import PaymentMethodFee
from simrenew.lines.errors import LineNotUsable, WrongBrandProduct
from simrenew.lines.models import LineStatus
from simrenew.orders.errors import CreditNotForTopup, InvalidTopupAmount, MethodNotAvailable
from simrenew.orders.models import Order, OrderKind
from simrenew.orders.quotes import quote_order
from tests.factories import create_brand, create_bundle, create_line, create_topup_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand():
    # Demo fees: card 0.25, PayPal 0.35 + 1.9 %, Bancontact and bank transfer free.
    return create_brand()


@pytest.fixture
def line(brand):
    return create_line(brand, credit=5000)


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, price_amount=1500)


@pytest.mark.parametrize(
    ("method", "fee", "total", "vat"),
    [
        ("bancontact", 0, 1500, 260),
        ("banktransfer", 0, 1500, 260),
        ("creditcard", 25, 1525, 264),  # 260 + VAT in 0.25 (4)
        ("paypal", 64, 1564, 271),  # 0.35 + 1.9 % of 15.00 (0.285 -> 0.29); 260 + VAT in 0.64 (11)
        ("credit", 0, 1500, 260),
    ],
)
def test_bundle_quote_per_payment_method(line, bundle, method, fee, total, vat):
    quote = quote_order(channel="web", line=line, product=bundle, method=method)
    assert quote.kind == OrderKind.BUNDLE
    assert (quote.list_amount, quote.discount_amount, quote.price_amount) == (1500, 0, 1500)
    assert quote.fee_amount == fee
    assert quote.total_amount == total
    assert quote.price_vat_amount == 260
    assert quote.vat_amount == vat
    assert quote.currency == "EUR"


def test_paypal_fee_is_fixed_plus_percent_of_the_price(brand, line):
    bundle = create_bundle(brand, price_amount=2000)
    quote = quote_order(channel="web", line=line, product=bundle, method="paypal")
    assert quote.fee_amount == 35 + 38  # 1.9 % of 20.00
    assert quote.fee_vat_amount == 13  # 0.73 / 1.21 = 0.6033 -> net 0.60
    assert quote.total_amount == 2073


def test_a_disabled_fee_row_means_the_method_is_not_offered(brand, line, bundle):
    PaymentMethodFee.objects.filter(brand=brand, method="paypal").update(enabled=False)
    with pytest.raises(MethodNotAvailable):
        quote_order(channel="web", line=line, product=bundle, method="paypal")


def test_an_unknown_method_is_refused(line, bundle):
    with pytest.raises(MethodNotAvailable) as error:
        quote_order(channel="web", line=line, product=bundle, method="bitcoin")
    assert str(error.value) == "This payment method is not available here."


def test_a_brand_without_fee_rows_charges_no_fee():
    brand = create_brand(fees={})
    line = create_line(brand)
    quote = quote_order(channel="web", line=line, product=create_bundle(brand, price_amount=1000), method="paypal")
    assert (quote.fee_amount, quote.total_amount, quote.vat_amount) == (0, 1000, 174)


def test_topup_quote_from_a_fixed_list(brand, line):
    product = create_topup_product(brand, amounts=[1000, 1500, 2500])
    quote = quote_order(channel="web", line=line, product=product, method="bancontact", topup_amount=1500)
    assert quote.kind == OrderKind.TOPUP
    assert (quote.list_amount, quote.fee_amount, quote.total_amount) == (1500, 0, 1500)
    # Prepaid credit: its VAT is due when it is used, so none in the top-up price.
    assert quote.price_vat_amount == 0
    assert quote.vat_amount == 0


def test_topup_quote_with_a_fee_has_only_the_fees_vat(brand, line):
    product = create_topup_product(brand)
    quote = quote_order(channel="web", line=line, product=product, method="creditcard", topup_amount=2000)
    assert (quote.fee_amount, quote.total_amount, quote.vat_amount) == (25, 2025, 4)


@pytest.mark.parametrize("amount", [1234, 0, -1000, 500, 5001, None])
def test_topup_amount_not_in_the_fixed_list_is_refused(brand, line, amount):
    product = create_topup_product(brand, amounts=[1000, 1500, 2000, 2500, 5000])
    with pytest.raises(InvalidTopupAmount) as error:
        quote_order(channel="web", line=line, product=product, method="bancontact", topup_amount=amount)
    assert str(error.value) == "This top-up amount is not available for this line."


@pytest.mark.parametrize("amount", [500, 1000, 7500, 10000])
def test_topup_amount_in_range_on_a_step_is_accepted(brand, line, amount):
    product = create_topup_product(brand, min_amount=500, max_amount=10000, step_amount=500)
    assert (
        quote_order(channel="web", line=line, product=product, method="bancontact", topup_amount=amount).list_amount
        == amount
    )


@pytest.mark.parametrize("amount", [0, 250, 750, 1001, 10500, None])
def test_topup_amount_off_the_range_or_step_is_refused(brand, line, amount):
    product = create_topup_product(brand, min_amount=500, max_amount=10000, step_amount=500)
    with pytest.raises(InvalidTopupAmount):
        quote_order(channel="web", line=line, product=product, method="bancontact", topup_amount=amount)


def test_topup_choices_of_a_range():
    product = create_topup_product(create_brand(), min_amount=500, max_amount=2000, step_amount=500)
    assert product.topup_choices() == [500, 1000, 1500, 2000]


def test_credit_cannot_pay_for_a_topup(brand, line):
    product = create_topup_product(brand)
    with pytest.raises(CreditNotForTopup) as error:
        quote_order(channel="web", line=line, product=product, method="credit", topup_amount=1000)
    assert str(error.value) == "Credit cannot pay for a top-up. Choose another payment method."


def test_a_product_of_another_brand_is_refused(line):
    other = create_bundle(create_brand())
    with pytest.raises(WrongBrandProduct) as error:
        quote_order(channel="web", line=line, product=other, method="bancontact")
    assert str(error.value) == "This product is not offered for this line's brand."


def test_an_inactive_product_is_refused(brand, line):
    retired = create_bundle(brand, active=False)
    with pytest.raises(WrongBrandProduct):
        quote_order(channel="web", line=line, product=retired, method="bancontact")


def test_a_terminated_line_is_refused(brand, bundle):
    line = create_line(brand, status=LineStatus.TERMINATED)
    with pytest.raises(LineNotUsable) as error:
        quote_order(channel="web", line=line, product=bundle, method="bancontact")
    assert error.value.status == 409
    assert Order.objects.count() == 0
