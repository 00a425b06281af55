"""E-PINs and scratch cards: format, storage, sale, redemption exactly once, void, expiry.
(Who may guess how often: tests/vouchers/test_guessing.py.)"""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction

from simrenew.kit import clock
from simrenew.kit.phone import luhn_valid
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account
from simrenew.lines.errors import LineNotUsable
from simrenew.lines.queries import balances
from simrenew.orders.models import Order, OrderStatus
from simrenew.retail import service as retail
from simrenew.vouchers import service
from simrenew.vouchers.errors import (
    CardNotSellable,
    PinAlreadyRedeemed,
    PinExpired,
    PinForOtherBrand,
    PinMistyped,
    PinNotActivated,
    PinVoided,
    VoucherNotVoidable,
    VoucherValueNotOffered,
    WrongPin,
)
from simrenew.vouchers.models import RedemptionAttempt, Voucher, VoucherState
from tests.factories import create_brand, create_line, create_topup_product
from tests.retail.factories import create_retailer
from tests.vouchers.factories import sell_pin

pytestmark = pytest.mark.django_db
ANYONE = service.Guesser(address="192.0.2.1")


@pytest.fixture
def brand():
    brand = create_brand()
    create_topup_product(brand)
    return brand


def other_pin(pin: str) -> str:
    """Another Luhn-valid PIN of the same length (one that was never issued)."""
    for digit in "0123456789":
        candidate = pin[:-2] + digit
        for check in "0123456789":
            if candidate + check != pin and luhn_valid(candidate + check):
                return candidate + check
    raise AssertionError


@pytest.mark.parametrize("digits", [13, 14, 15])
def test_pins_have_13_to_15_digits_with_a_luhn_check_digit(digits):
    pin = service.new_pin(digits)
    assert len(pin) == digits and pin.isdigit() and luhn_valid(pin)


def test_an_epin_is_stored_only_as_a_keyed_hash_and_its_last_digits(brand):
    issued = sell_pin(brand, 1500)
    voucher = Voucher.objects.get(pk=issued.voucher.pk)
    assert voucher.state == VoucherState.ACTIVE
    assert voucher.last_digits == issued.pin[-4:]
    assert issued.pin not in voucher.code_hash and len(voucher.code_hash) == 64
    for value in Voucher.objects.filter(pk=voucher.pk).values().first().values():
        assert str(value) != issued.pin
    assert Account.objects.get(code=f"brand:{brand.code}:voucher_liability").postings.get().amount == 1500


def test_a_value_the_brand_does_not_sell_is_refused(brand):
    retailer = create_retailer(float_amount=10_000)
    with pytest.raises(VoucherValueNotOffered), transaction.atomic():
        service.sell_epin(
            brand=brand,
            value_amount=1234,
            float_account=retail.float_account(retailer),
            commission_amount=0,
            reference="",
        )


def test_redeeming_credits_the_line_once(brand):
    issued = sell_pin(brand, 2000)
    line = create_line(brand)
    spaced = " ".join(issued.pin[i : i + 4] for i in range(0, len(issued.pin), 4))
    redemption = service.redeem(code=spaced, line=line, channel="portal", guesser=ANYONE)
    assert redemption.order.status == OrderStatus.FULFILLED
    assert (redemption.order.method, redemption.order.total_amount) == ("voucher", 2000)
    assert balances(line).credit_amount == 2000
    assert redemption.voucher.state == VoucherState.REDEEMED
    assert ledger.balance(service.liability_account(brand)) == 0
    with pytest.raises(PinAlreadyRedeemed):
        service.redeem(code=issued.pin, line=line, channel="portal", guesser=ANYONE)
    assert balances(line).credit_amount == 2000
    assert ledger.verify() == []


def test_a_wrong_pin_says_so_and_is_recorded_with_who_typed_it(brand):
    issued = sell_pin(brand)
    line = create_line(brand)
    with pytest.raises(WrongPin) as refused:
        service.redeem(code=other_pin(issued.pin), line=line, channel="portal", guesser=ANYONE)
    assert "PIN is not right" in str(refused.value)
    with pytest.raises(PinMistyped):
        service.redeem(code="12345", line=line, channel="portal", guesser=ANYONE)
    assert list(RedemptionAttempt.objects.values_list("line", "source")) == [(line.pk, "address:192.0.2.1")] * 2
    assert Voucher.objects.get(pk=issued.voucher.pk).state == VoucherState.ACTIVE


def test_a_pin_of_another_brand_is_refused_without_using_it(brand):
    issued = sell_pin(brand)
    other = create_brand(name="Other Mobile")
    create_topup_product(other)
    with pytest.raises(PinForOtherBrand):
        service.redeem(code=issued.pin, line=create_line(other), channel="portal", guesser=ANYONE)
    assert Voucher.objects.get(pk=issued.voucher.pk).state == VoucherState.ACTIVE


def test_an_expired_pin_is_refused_and_goes_to_breakage(brand, settings):
    issued = sell_pin(brand)
    line = create_line(brand)
    later = clock.now() + timedelta(days=settings.VOUCHER_VALIDITY_DAYS, seconds=1)
    with time_machine.travel(later):
        with pytest.raises(PinExpired):
            service.redeem(code=issued.pin, line=line, channel="portal", guesser=ANYONE)
        assert service.expire_due() == 1
        assert service.expire_due() == 0
    assert Voucher.objects.get(pk=issued.voucher.pk).state == VoucherState.EXPIRED
    assert ledger.balance(service.liability_account(brand)) == 0
    assert ledger.balance(Account.objects.get(code=f"brand:{brand.code}:breakage")) == 1500
    assert ledger.verify() == []


def test_a_printed_card_is_inactive_until_sold(brand):
    with transaction.atomic():
        batch, cards = service.create_batch(brand=brand, value_amount=1000, count=3)
    card = cards[0]
    line = create_line(brand)
    with pytest.raises(PinNotActivated):
        service.redeem(code=card.pin, line=line, channel="portal", guesser=ANYONE)
    retailer = create_retailer(float_amount=5000)
    with transaction.atomic():
        service.activate_card(
            serial=card.voucher.serial,
            float_account=retail.float_account(retailer),
            commission_amount=50,
            reference="s",
        )
    assert retail.float_balance(retailer) == 5000 - 950
    with pytest.raises(CardNotSellable), transaction.atomic():
        service.activate_card(
            serial=card.voucher.serial, float_account=retail.float_account(retailer), commission_amount=0, reference="s"
        )
    assert service.redeem(code=card.pin, line=line, channel="portal", guesser=ANYONE).order.total_amount == 1000
    assert batch.vouchers.filter(state=VoucherState.ISSUED).count() == 2


def test_a_voided_pin_cannot_be_redeemed_and_a_redeemed_one_cannot_be_voided(brand):
    issued = sell_pin(brand)
    with transaction.atomic():
        service.void_sold(voucher_id=issued.voucher.pk)
    with pytest.raises(PinVoided):
        service.redeem(code=issued.pin, line=create_line(brand), channel="portal", guesser=ANYONE)
    second = sell_pin(brand)
    service.redeem(code=second.pin, line=create_line(brand), channel="portal", guesser=ANYONE)
    with pytest.raises(VoucherNotVoidable), transaction.atomic():
        service.void_sold(voucher_id=second.voucher.pk)
    assert ledger.verify() == []


def test_a_terminated_line_leaves_the_pin_unused(brand):
    issued = sell_pin(brand)
    line = create_line(brand, status="terminated")
    with pytest.raises(LineNotUsable):
        service.redeem(code=issued.pin, line=line, channel="portal", guesser=ANYONE)
    assert Voucher.objects.get(pk=issued.voucher.pk).state == VoucherState.ACTIVE
    assert Order.objects.count() == 0
