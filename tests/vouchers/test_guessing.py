"""Wrong voucher PINs are limited per guesser (an account, a kiosk visit or device, a phone, a
network address), never per line: an attacker guessing at someone's number locks only themselves
out, and the line's owner still tops up, on any channel."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import translation

from simrenew.kit.phone import luhn_valid
from simrenew.lines.queries import balances
from simrenew.throttles.errors import Throttled
from simrenew.vouchers import service
from simrenew.vouchers.errors import WrongPin
from simrenew.vouchers.models import Voucher, VoucherState
from tests.factories import create_brand, create_customer, create_line, create_topup_product
from tests.vouchers.factories import sell_pin

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 12:00 in Brussels


@pytest.fixture
def brand():
    brand = create_brand()
    create_topup_product(brand)
    return brand


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


def wrong_pin() -> str:
    """A Luhn-valid PIN that no voucher has."""
    payload = "12345678901234"
    return next(payload + d for d in "0123456789" if luhn_valid(payload + d))


def guess(guesser: service.Guesser, line, times: int) -> None:
    for _ in range(times):
        with pytest.raises(WrongPin):
            service.redeem(code=wrong_pin(), line=line, channel="web", guesser=guesser)


def test_an_attacker_guessing_at_a_line_does_not_lock_its_owner_out_on_any_channel(brand, settings):
    # given a victim's line, and an attacker's account that typed 10 wrong PINs for it
    victim_line = create_line(brand)
    attacker = service.Guesser(account=create_customer().pk, address="203.0.113.9")
    guess(attacker, victim_line, settings.VOUCHER_MAX_FAILURES)
    for _ in range(10 - settings.VOUCHER_MAX_FAILURES):
        with pytest.raises(Throttled):
            service.redeem(code=wrong_pin(), line=victim_line, channel="web", guesser=attacker)
    first, second, third = sell_pin(brand, 1000), sell_pin(brand, 1000), sell_pin(brand, 1000)
    # when the owner redeems valid PINs from their own account, by SMS and at a kiosk
    owner = service.Guesser(account=create_customer().pk, address="198.51.100.7")
    service.redeem(code=first.pin, line=victim_line, channel="web", guesser=owner)
    service.redeem(code=second.pin, line=victim_line, channel="sms", guesser=service.Guesser(phone=victim_line.msisdn))
    at_kiosk = service.Guesser(visit="k1:v1", device="kiosk:1:screen:1")
    service.redeem(code=third.pin, line=victim_line, channel="kiosk", guesser=at_kiosk)
    # then each is credited
    assert balances(victim_line).credit_amount == 3000


def test_a_limited_guesser_is_refused_even_the_right_pin_and_told_until_when(brand, settings):
    # given an account that used up its wrong PINs at 12:00
    line = create_line(brand)
    guesser = service.Guesser(account=create_customer().pk)
    guess(guesser, line, settings.VOUCHER_MAX_FAILURES)
    issued = sell_pin(brand)
    # when it then types the right PIN
    with translation.override("nl"), pytest.raises(Throttled) as refused:
        service.redeem(code=issued.pin, line=line, channel="web", guesser=guesser)
    # then it is refused like a wrong one (guessing gets no signal), saying who and until when, in Dutch
    assert refused.value.status == 429
    with translation.override("nl"):
        assert str(refused.value) == "Te veel verkeerde herlaadcodes vanaf je account. Probeer het opnieuw om 12:15."
    assert Voucher.objects.get(pk=issued.voucher.pk).state == VoucherState.ACTIVE
    assert balances(line).credit_amount == 0
    # and once the window is over it may redeem
    with time_machine.travel(NOON + timedelta(minutes=settings.VOUCHER_FAILURE_WINDOW_MINUTES), tick=False):
        assert service.redeem(code=issued.pin, line=line, channel="web", guesser=guesser).order


def test_a_right_pin_costs_no_try(brand, settings):
    # given an account one wrong PIN away from its limit
    line = create_line(brand)
    guesser = service.Guesser(account=create_customer().pk)
    guess(guesser, line, settings.VOUCHER_MAX_FAILURES - 1)
    # when it redeems two right PINs
    service.redeem(code=sell_pin(brand).pin, line=line, channel="web", guesser=guesser)
    service.redeem(code=sell_pin(brand).pin, line=line, channel="web", guesser=guesser)
    # then it still has its last wrong try, and no more
    guess(guesser, line, 1)
    with pytest.raises(Throttled):
        service.redeem(code=wrong_pin(), line=line, channel="web", guesser=guesser)


def test_an_address_shared_by_several_people_has_a_larger_budget(brand, settings):
    # given people behind one address (a household, a campus), each typing wrong PINs up to their own limit
    line = create_line(brand)
    shared_address = "2001:db8:1:2::10"
    people = settings.VOUCHER_MAX_FAILURES_SHARED // settings.VOUCHER_MAX_FAILURES
    for _ in range(people):
        guess(
            service.Guesser(account=create_customer().pk, address=shared_address), line, settings.VOUCHER_MAX_FAILURES
        )
    # when one more person tries from another host of the same IPv6 /64
    newcomer = service.Guesser(account=create_customer().pk, address="2001:db8:1:2::99")
    with translation.override("en"), pytest.raises(Throttled) as refused:
        service.redeem(code=wrong_pin(), line=line, channel="web", guesser=newcomer)
    # then the network is limited, and says so; another network is not
    with translation.override("en"):
        assert str(refused.value) == "Too many wrong PINs from your network connection. Try again at 12:15."
    elsewhere = service.Guesser(account=create_customer().pk, address="2001:db8:ffff::1")
    guess(elsewhere, line, 1)


def test_a_kiosk_visit_is_limited_before_the_kiosk_is(brand, settings):
    # given a customer at a kiosk screen who typed wrong PINs up to the visit's limit
    line = create_line(brand)
    first_visit = service.Guesser(visit="k1:first", device="kiosk:1:screen:7")
    guess(first_visit, line, settings.VOUCHER_MAX_FAILURES)
    with translation.override("fr"), pytest.raises(Throttled) as refused:
        service.redeem(code=wrong_pin(), line=line, channel="kiosk", guesser=first_visit)
    with translation.override("fr"):
        assert str(refused.value) == "Trop de codes de recharge erronés sur cet écran de borne. Réessayez à 12:15."
    # when the next customer at the same screen redeems a valid PIN
    next_visit = service.Guesser(visit="k1:second", device="kiosk:1:screen:7")
    redemption = service.redeem(code=sell_pin(brand).pin, line=line, channel="kiosk", guesser=next_visit)
    # then it works: the first customer's refusals were theirs only
    assert redemption.order.total_amount == 1500


def test_a_redemption_needs_someone_to_throttle(brand):
    with pytest.raises(ValueError, match="guesser"):
        service.redeem(code=sell_pin(brand).pin, line=create_line(brand), channel="web", guesser=service.Guesser())


def test_the_time_shown_is_never_too_early_and_carries_the_date_when_not_today(brand, settings):
    # given a limit that ends at 12:15:30 (the window opened at 12:00:30)
    line = create_line(brand)
    guesser = service.Guesser(account=create_customer().pk)
    with time_machine.travel(NOON + timedelta(seconds=30), tick=False):
        guess(guesser, line, settings.VOUCHER_MAX_FAILURES)
        with pytest.raises(Throttled) as refused:
            service.redeem(code=wrong_pin(), line=line, channel="web", guesser=guesser)
    # then the time shown is rounded up to the next minute
    with translation.override("de"):
        assert str(refused.value).endswith("um 12:16 erneut.")
    assert refused.value.until == NOON + timedelta(minutes=15, seconds=30)
    # and read the next day it shows the date too
    with time_machine.travel(NOON + timedelta(days=1), tick=False), translation.override("en"):
        assert "March 10, 2026" in str(refused.value)
