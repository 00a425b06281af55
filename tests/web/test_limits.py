"""Rate limits through the pages: they stop the one who abuses, not the people they aim at. A kiosk
customer who asks for 120 balance checks sends a handful of SMS and blocks nobody after them; wrong
voucher PINs lock out the guesser's account or kiosk visit, never the line's owner."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from simrenew.kit.phone import luhn_check_digit
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.vouchers.models import Voucher, VoucherState
from tests.factories import create_brand, create_customer, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk, enrol_screen
from tests.vouchers.factories import sell_pin
from tests.web.form_keys import submit

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 2, 3, 11, 0, tzinfo=UTC)  # 12:00 in Brussels
WRONG_PIN = "123456789012" + luhn_check_digit("123456789012")  # well formed, but no voucher has it


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def brand():
    brand = create_brand(code="acme", name="Acme Mobile")
    create_topup_product(brand)
    return brand


def alerts(response) -> list[str]:
    return [e.strip() for e in re.findall(r'role="alert">([^<]+)', response.content.decode())]


def sms_sent() -> int:
    return OutboxMessage.objects.filter(kind=OutboxKind.SMS).count()


def test_one_kiosk_visit_asking_for_120_balance_checks_sends_its_budget_and_blocks_no_one(
    brand, settings, django_capture_on_commit_callbacks
):
    # given a kiosk with two enrolled screens, and 122 numbers
    kiosk = create_kiosk("station")
    screen, other_screen = Client(), Client()
    enrol_screen(screen, kiosk)
    enrol_screen(other_screen, kiosk)
    numbers = [create_line(brand).display for _ in range(122)]
    start, ask = f"/en/kiosk/{kiosk.code}/", f"/en/kiosk/{kiosk.code}/number/balance/"
    # when one customer at a screen asks for a balance check for 120 of them
    screen.get(start)
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for number in numbers[:120]:
            answers.append(screen.post(ask, {"number": number}))
    # then the visit's budget of SMS went out, and the rest were refused saying who and until when
    assert sms_sent() == settings.KIOSK_BALANCE_SMS_PER_VISIT
    assert [a.status_code for a in answers].count(302) == settings.KIOSK_BALANCE_SMS_PER_VISIT
    assert alerts(answers[-1]) == ["Too many balance checks at this kiosk screen. Try again at 13:00."]
    # when the next customer starts at the same screen, and someone at the other screen
    screen.get(start)
    with django_capture_on_commit_callbacks(execute=True):
        next_customer = screen.post(ask, {"number": numbers[120]})
        other = other_screen.post(ask, {"number": numbers[121]})
    # then both get their code
    assert (next_customer.status_code, other.status_code) == (302, 302)
    assert sms_sent() == settings.KIOSK_BALANCE_SMS_PER_VISIT + 2


def test_wrong_pins_at_a_kiosk_lock_out_that_visit_only(brand, settings):
    # given a customer at a kiosk screen typing wrong PINs for a line until refused
    kiosk = create_kiosk("mall")
    screen = Client()
    enrol_screen(screen, kiosk)
    line = create_line(brand, msisdn="+32470123456")
    screen.get(f"/en/kiosk/{kiosk.code}/")
    page = screen.post(f"/en/kiosk/{kiosk.code}/number/voucher/", {"number": "0470 12 34 56"}).url
    for _ in range(settings.VOUCHER_MAX_FAILURES):
        assert "This PIN is not right" in alerts(submit(screen, page, {"pin": WRONG_PIN}))[0]
    issued = sell_pin(brand)
    refused = submit(screen, page, {"pin": issued.pin})
    assert alerts(refused) == ["Too many wrong PINs at this kiosk screen. Try again at 12:15."]
    assert Voucher.objects.get(pk=issued.voucher.pk).state == VoucherState.ACTIVE
    # when the next customer starts over at the same screen and types a valid PIN for the same line
    screen.get(f"/nl/kiosk/{kiosk.code}/")
    page = screen.post(f"/nl/kiosk/{kiosk.code}/number/voucher/", {"number": "0470 12 34 56"}).url
    done = submit(screen, page, {"pin": issued.pin})
    # then it is redeemed
    assert done.status_code == 302
    assert balances(line).credit_amount == 1500


def test_an_attacker_account_guessing_pins_for_a_line_does_not_lock_out_its_owner(brand, settings, client):
    # given a victim's line, and an attacker's account that typed 10 wrong PINs for it in the portal
    victim = create_line(brand, msisdn="+32470123456")
    client.force_login(create_customer(language="fr"))
    wrong = {"number": victim.display, "code": WRONG_PIN}
    answers = [client.post("/fr/topup/voucher/", wrong, REMOTE_ADDR="203.0.113.9") for _ in range(10)]
    # then the attacker is refused from the 6th, told in their language that it is their account
    assert alerts(answers[-1]) == ["Trop de codes de recharge erronés depuis votre compte. Réessayez à 12:15."]
    assert len({tuple(alerts(a)) for a in answers[: settings.VOUCHER_MAX_FAILURES]}) == 1
    # when the line's owner redeems a valid PIN in their own account
    owner = Client()
    owner.force_login(create_customer())
    issued = sell_pin(brand, 1000)
    response = owner.post(
        "/en/topup/voucher/", {"number": victim.display, "code": issued.pin}, REMOTE_ADDR="198.51.100.7"
    )
    # then it works
    assert response.status_code == 302
    assert balances(victim).credit_amount == 1000
