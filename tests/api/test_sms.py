"""`TOPUP <PIN>` by SMS through the gateway's signed webhook."""

import pytest
from django.test import Client

from simrenew.lines.queries import balances
from simrenew.terminals.models import TerminalKind
from simrenew.vouchers.models import RedemptionAttempt
from tests.factories import create_brand, create_line, create_topup_product
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
