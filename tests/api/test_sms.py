"""SMS keywords (`TOPUP <PIN>`, `BAL`, `BUNDLE <code>`, `HELP`) through the gateway's signed webhook."""

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from simrenew.lines.queries import balances
from simrenew.orders.models import Order
from simrenew.terminals.models import TerminalKind
from simrenew.vouchers.models import RedemptionAttempt
from tests.factories import create_brand, create_bundle, create_customer, create_line, create_topup_product, link
from tests.retail.factories import TerminalClient, create_terminal
from tests.vouchers.factories import sell_pin

pytestmark = pytest.mark.django_db
URL = "/api/sms/inbound"


@pytest.fixture
def gateway(client: Client) -> TerminalClient:
    terminal, secret = create_terminal(None, kind=TerminalKind.SMS_GATEWAY)
    return TerminalClient(client, terminal.key_id, secret)


@pytest.fixture
def brand():
    brand = create_brand()
    create_topup_product(brand)
    return brand


def test_topup_by_sms_credits_the_sending_line_once(gateway, brand):
    issued = sell_pin(brand, 2500)
    line = create_line(brand)
    message = {"from": line.msisdn, "to": "1914", "text": f"topup {issued.pin}"}
    answer = gateway.post(URL, message, idempotency_key="msg-1")
    assert answer.status == 200
    assert (answer.body["ok"], answer.body["code"]) == (True, "topped_up")
    assert "25.00" in answer.body["reply"]
    assert balances(line).credit_amount == 2500
    # the gateway delivers the same message twice: applied once, same reply
    assert gateway.post(URL, message, idempotency_key="msg-1").body == answer.body
    assert balances(line).credit_amount == 2500


def test_a_wrong_pin_by_sms_is_answered_and_counted(gateway, brand):
    line = create_line(brand)
    answer = gateway.post(URL, {"from": line.msisdn, "text": "TOPUP 1234567890123"}, idempotency_key="m2")
    assert answer.status == 200 and answer.body["ok"] is False
    assert answer.body["code"] in {"wrong_pin", "pin_mistyped"}
    assert RedemptionAttempt.objects.filter(source=f"phone:{line.msisdn}").count() == 1


def test_an_unknown_command_gets_help(gateway, brand):
    answer = gateway.post(URL, {"from": create_line(brand).msisdn, "text": "BALANCE"}, idempotency_key="m3")
    assert (answer.body["ok"], answer.body["code"]) == (False, "unknown_command")
    assert "TOPUP" in answer.body["reply"]


def test_an_unknown_sender_is_told(gateway, brand):
    answer = gateway.post(URL, {"from": "+32499000000", "text": "TOPUP 1234567890123"}, idempotency_key="m4")
    assert (answer.body["ok"], answer.body["code"]) == (False, "unknown_line")


def test_only_the_sms_gateway_may_post(client, brand):
    terminal, secret = create_terminal(None, kind=TerminalKind.POS)
    answer = TerminalClient(client, terminal.key_id, secret).post(
        URL, {"from": "+32470000001", "text": "x"}, idempotency_key="m"
    )
    assert answer.status == 401


# --- BAL, BUNDLE <code>, HELP; answers in the line's language


def held(brand, language: str, credit: int = 0):
    line = create_line(brand, credit=credit)
    link(create_customer(language=language), line)
    return line


def in_language(language: str, message: str, **values: str) -> str:
    with translation.override(language):
        return _(message) % values if values else _(message)


@pytest.fixture
def smart(brand):
    names = {"en": "Smart 10", "zh-hans": "智能套餐 10", "nl": "Slim 10"}
    return create_bundle(brand, code="smart-10", price_amount=1000, names=names)


def test_bal_answers_credit_and_bundle(gateway, brand, smart):
    line = held(brand, "en", credit=3000)
    gateway.post(URL, {"from": line.msisdn, "text": "BUNDLE smart-10"}, idempotency_key="b0")
    answer = gateway.post(URL, {"from": line.msisdn, "text": " bal "}, idempotency_key="b1")
    assert (answer.body["ok"], answer.body["code"]) == (True, "balance")
    reply = answer.body["reply"]
    assert "Credit €20.00" in reply and "Bundle: Smart 10" in reply
    assert "8.0 GB, 300 min" in reply  # as the account pages say it


def test_bal_in_chinese_for_a_chinese_holder(gateway, brand, smart):
    line = held(brand, "zh-hans", credit=3000)
    gateway.post(URL, {"from": line.msisdn, "text": "BUNDLE smart-10"}, idempotency_key="c0")
    reply = gateway.post(URL, {"from": line.msisdn, "text": "BAL"}, idempotency_key="c1").body["reply"]
    assert "智能套餐 10" in reply and "300 分钟" in reply and "€20.00" in reply
    assert in_language("zh-hans", "Credit %(amount)s", amount="€20.00") in reply


def test_bundle_buys_from_credit_once_per_message(gateway, brand, smart):
    line = held(brand, "nl", credit=3000)
    message = {"from": line.msisdn, "text": "Bundle SMART-10"}  # a phone capitalised it
    answer = gateway.post(URL, message, idempotency_key="m-7")
    assert (answer.body["ok"], answer.body["code"]) == (True, "bundle_bought")
    order = Order.objects.get(line=line)
    assert (order.channel, order.method, order.total_amount, order.number) == (
        "sms",
        "credit",
        1000,
        answer.body["order_number"],
    )
    assert answer.body["reply"].startswith("Slim 10 ")  # the Dutch name: the holder's language
    assert "€ 20,00" in answer.body["reply"]
    # The gateway delivers the same message again: the same answer, bought once.
    assert gateway.post(URL, message, idempotency_key="m-7").body == answer.body
    assert Order.objects.filter(line=line).count() == 1
    assert balances(line).credit_amount == 2000


def test_a_bundle_code_must_match(gateway, brand, smart):
    line = held(brand, "en", credit=3000)
    answer = gateway.post(URL, {"from": line.msisdn, "text": "BUNDLE smart"}, idempotency_key="m-8")
    assert (answer.body["ok"], answer.body["code"]) == (False, "unknown_bundle")
    assert answer.body["reply"] == "No bundle has the code smart. Send BUNDLE and one of: smart-10."
    assert not Order.objects.filter(line=line).exists()
    assert balances(line).credit_amount == 3000


def test_too_little_credit_for_a_bundle_changes_nothing(gateway, brand, smart):
    line = held(brand, "en", credit=900)
    answer = gateway.post(URL, {"from": line.msisdn, "text": "BUNDLE smart-10"}, idempotency_key="m-9")
    assert (answer.body["ok"], answer.body["code"]) == (False, "insufficient_funds")
    assert answer.body["reply"] == "Your credit €9.00 does not cover Smart 10 (€10.00). Top up: TOPUP <PIN>"
    assert not Order.objects.filter(line=line).exists()
    assert balances(line).credit_amount == 900


@pytest.mark.parametrize("language", ["en", "nl", "zh-hans"])
def test_help_lists_the_keywords_in_the_line_language(gateway, brand, smart, language):
    line = held(brand, language)
    answer = gateway.post(URL, {"from": line.msisdn, "text": "help"}, idempotency_key=f"h-{language}")
    assert (answer.body["ok"], answer.body["code"]) == (True, "help")
    expected = in_language(
        language,
        "Send BAL for your balance, BUNDLE and a code to buy a bundle from your credit (%(codes)s), "
        "TOPUP and a PIN to top up with a voucher.",
        codes="smart-10",
    )
    assert answer.body["reply"] == expected
    assert all(keyword in expected for keyword in ("BAL", "BUNDLE", "TOPUP", "smart-10"))


def test_a_topup_answers_in_the_holder_language(gateway, brand):
    issued = sell_pin(brand, 1500)
    line = held(brand, "nl")
    answer = gateway.post(URL, {"from": line.msisdn, "text": f"TOPUP {issued.pin}"}, idempotency_key="t-nl")
    assert answer.body["code"] == "topped_up"
    assert answer.body["reply"] == in_language(
        "nl",
        "Your number was topped up with %(amount)s. Your credit is now %(credit)s.",
        amount="€ 15,00",
        credit="€ 15,00",
    )
    assert answer.body["reply"].startswith("Je nummer")
