"""The kiosk API: every endpoint, and every refusal (authentication, idempotency, bad input,
wrong codes, short cash, a card payment reported twice), each changing nothing."""

import json
import re

import pytest
from django.test import Client

from simrenew.audit.models import AuditEntry
from simrenew.kiosks.models import BalanceCheck, KioskSale
from simrenew.ledger.models import Account, Journal, Posting
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import Order
from simrenew.terminals import service as terminals
from simrenew.terminals.models import TerminalKind
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.kiosks.factories import SignedClient, create_kiosk, kiosk_api

pytestmark = pytest.mark.django_db
BASE = "/api/kiosk"


@pytest.fixture
def brand():
    return create_brand(code="acme", name="Acme Mobile")


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, code="acme-15", price_amount=1500)


@pytest.fixture
def topup_product(brand):
    return create_topup_product(brand)


@pytest.fixture
def line(brand):
    return create_line(brand, msisdn="+32470123456", credit=1000)


@pytest.fixture
def kiosk():
    return create_kiosk("airport", with_terminal=True)


@pytest.fixture
def api(kiosk):
    return kiosk_api(kiosk)


def state() -> tuple:
    return (
        Order.objects.count(),
        Journal.objects.count(),
        Posting.objects.count(),
        KioskSale.objects.count(),
        tuple(Account.objects.order_by("id").values_list("code", "balance_amount")),
    )


# --- Authentication ------------------------------------------------------------------------------


def test_unsigned_requests_are_refused_and_audited(kiosk):
    response = Client().post(
        f"{BASE}/quotes", data={"number": "0470123456", "method": "cash"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "terminal_auth_refused"
    assert AuditEntry.objects.filter(action="terminal.auth_refused").count() == 1


def test_a_tampered_body_is_refused(api, line, topup_product):
    url = f"{BASE}/topups"
    signed_for = json.dumps({"number": "0470123456", "payment": {"method": "cash", "inserted": [500]}}).encode()
    headers = api.headers("POST", url, signed_for)
    headers["Idempotency-Key"] = "k1"
    sent = json.dumps({"number": "0470123456", "payment": {"method": "cash", "inserted": [5000]}})
    before = state()
    response = api.client.post(url, data=sent, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert state() == before


def test_a_pos_terminal_cannot_use_the_kiosk_api(line):
    terminal, secret = terminals.register_terminal(kind=TerminalKind.POS, name="Night shop")
    response = SignedClient(terminal, secret).post(f"{BASE}/quotes", {"number": "0470123456", "method": "cash"})
    assert response.status_code == 401


def test_a_kiosk_terminal_not_attached_to_a_kiosk_is_forbidden(line):
    terminal, secret = terminals.register_terminal(kind=TerminalKind.KIOSK, name="Loose")
    response = SignedClient(terminal, secret).post(f"{BASE}/quotes", {"number": "0470123456", "method": "cash"})
    assert response.status_code == 403


# --- Balance check -------------------------------------------------------------------------------


def start(api, key="b1", number="0470 12 34 56"):
    return api.post(f"{BASE}/balance-checks", {"number": number}, key=key)


def test_balance_check_start_and_confirm(api, line, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        started = start(api)
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["masked_number"] == "0470 •• •• 56"
    sms = OutboxMessage.objects.get(kind=OutboxKind.SMS, recipient=line.msisdn)
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)

    confirmed = api.post(f"{BASE}/balance-checks/{body['check_id']}/confirm", {"code": code}, key="c1")
    assert confirmed.status_code == 200, confirmed.content
    balance = confirmed.json()
    assert balance["credit_amount"] == 1000 and balance["masked_number"] == "0470 •• •• 56"
    assert "msisdn" not in balance and "+32470123456" not in confirmed.content.decode()
    replay = api.post(f"{BASE}/balance-checks/{body['check_id']}/confirm", {"code": code}, key="c1")
    assert replay.status_code == 200 and replay.content == confirmed.content
    assert replay["Idempotent-Replayed"] == "true"


def test_a_replayed_start_sends_one_sms(api, line, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = start(api)
        second = start(api)
    assert first.content == second.content
    assert OutboxMessage.objects.filter(recipient=line.msisdn).count() == 1
    assert BalanceCheck.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict(api, line, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start(api)
        other = start(api, number="0470 12 34 57")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"


def test_a_mutating_call_without_idempotency_key_is_refused(api, line):
    response = api.post(f"{BASE}/balance-checks", {"number": "0470123456"})
    assert response.status_code == 422
    assert BalanceCheck.objects.count() == 0


def test_wrong_codes_count_even_though_the_call_is_refused(api, line, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        check_id = start(api).json()["check_id"]
    for attempt in range(4):
        refused = api.post(f"{BASE}/balance-checks/{check_id}/confirm", {"code": "abcdef"}, key=f"w{attempt}")
        assert refused.status_code == 400 and refused.json()["code"] == "wrong_code"
    locked = api.post(f"{BASE}/balance-checks/{check_id}/confirm", {"code": "abcdef"}, key="w5")
    assert locked.status_code == 429
    assert BalanceCheck.objects.get().attempts == 5


def test_an_unknown_number_or_check(api, line):
    assert start(api, number="0499 99 99 99").status_code == 404
    assert start(api, key="b2", number="hello").status_code == 400
    assert api.post(f"{BASE}/balance-checks/nope/confirm", {"code": "123456"}, key="x").status_code == 400


# --- Quotes and sales ----------------------------------------------------------------------------


def test_quote_a_bundle_and_a_cash_topup_of_any_amount(api, line, bundle, topup_product):
    quote = api.post(f"{BASE}/quotes", {"number": "0470123456", "product_code": "acme-15", "method": "card"})
    assert quote.status_code == 200
    assert (quote.json()["kind"], quote.json()["total_amount"], quote.json()["vat_amount"]) == ("bundle", 1500, 260)
    cash = api.post(f"{BASE}/quotes", {"number": "0470123456", "amount": 700, "method": "cash"})
    assert cash.json()["total_amount"] == 700 and cash.json()["gives_change"] is False
    card = api.post(f"{BASE}/quotes", {"number": "0470123456", "amount": 700, "method": "card"})
    assert card.status_code == 400 and card.json()["code"] == "invalid_topup_amount"
    assert (
        api.post(f"{BASE}/quotes", {"number": "0470123456", "product_code": "nope", "method": "card"}).status_code
        == 404
    )


def test_cash_topup_credits_what_was_inserted_and_replays(api, kiosk, line, topup_product):
    data = {"number": "0470 12 34 56", "payment": {"method": "cash", "inserted": [500, 200, 100]}}
    first = api.post(f"{BASE}/topups", data, key="t1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["inserted_amount"] == 800
    assert [(t["kind"], t["total_amount"], t["method"]) for t in body["transactions"]] == [("topup", 800, "cash")]
    assert balances(line).credit_amount == 1800
    before = state()
    again = api.post(f"{BASE}/topups", data, key="t1")
    assert again.status_code == 201 and again.content == first.content
    assert state() == before
    fetched = api.get(f"{BASE}/transactions/{body['transactions'][0]['order_number']}")
    assert fetched.status_code == 200 and fetched.json()["receipt_number"] == body["transactions"][0]["receipt_number"]


def test_cash_renewal_with_excess_and_refusals(api, line, bundle, topup_product):
    before = state()
    short = api.post(
        f"{BASE}/renewals",
        {"number": "0470123456", "product_code": "acme-15", "payment": {"method": "cash", "inserted": [1000]}},
        key="r1",
    )
    assert short.status_code == 409 and short.json()["code"] == "not_enough_cash"
    fake = api.post(
        f"{BASE}/renewals",
        {"number": "0470123456", "product_code": "acme-15", "payment": {"method": "cash", "inserted": [1000, 300]}},
        key="r2",
    )
    assert fake.status_code == 400 and fake.json()["code"] == "cash_rejected"
    mismatch = api.post(
        f"{BASE}/topups",
        {"number": "0470123456", "amount": 1000, "payment": {"method": "cash", "inserted": [500]}},
        key="r3",
    )
    assert mismatch.status_code == 400 and mismatch.json()["code"] == "amount_mismatch"
    assert state() == before
    done = api.post(
        f"{BASE}/renewals",
        {"number": "0470123456", "product_code": "acme-15", "payment": {"method": "cash", "inserted": [2000]}},
        key="r1",
    )
    assert done.status_code == 201  # the key of a refused call is free again
    assert [(t["kind"], t["total_amount"]) for t in done.json()["transactions"]] == [("bundle", 1500), ("topup", 500)]
    assert balances(line).credit_amount == 1500


def test_card_payment_reported_once_pays_once(api, line, bundle, topup_product):
    data = {
        "number": "0470123456",
        "product_code": "acme-15",
        "payment": {"method": "card", "terminal_reference": "TX-1"},
    }
    assert api.post(f"{BASE}/renewals", data, key="k1").status_code == 201
    before = state()
    twice = api.post(f"{BASE}/renewals", data, key="k2")  # the same charge under a new key
    assert twice.status_code == 409 and twice.json()["code"] == "card_payment_already_used"
    assert state() == before
    card_topup = api.post(
        f"{BASE}/topups",
        {"number": "0470123456", "amount": 1234, "payment": {"method": "card", "terminal_reference": "TX-2"}},
        key="k3",
    )
    assert card_topup.status_code == 400 and card_topup.json()["code"] == "invalid_topup_amount"
    assert state() == before


def test_invalid_bodies_are_422_and_change_nothing(api, line, topup_product):
    before = state()
    for body in (
        {"number": "0470123456"},
        {"number": "0470123456", "payment": {"method": "cheque"}},
        {"number": "0470123456", "payment": {"method": "cash", "inserted": []}},
        {"number": "", "payment": {"method": "cash", "inserted": [500]}},
    ):
        assert api.post(f"{BASE}/topups", body, key=f"bad-{len(json.dumps(body))}").status_code == 422
    assert api.post(f"{BASE}/topups", {}, raw=b"{not json", key="bad-json").status_code in (400, 422)
    assert state() == before


def test_transactions_of_another_kiosk_are_not_found(api, line, topup_product):
    body = api.post(
        f"{BASE}/topups", {"number": "0470123456", "payment": {"method": "cash", "inserted": [500]}}, key="t"
    ).json()
    number = body["transactions"][0]["order_number"]
    other = kiosk_api(create_kiosk(with_terminal=True))
    assert other.get(f"{BASE}/transactions/{number}").status_code == 404
    assert api.get(f"{BASE}/transactions/SR-NOPE").status_code == 404


def test_voucher_redeem_wrong_pin_is_refused_and_counted(api, kiosk, line, topup_product):
    before = state()
    refused = api.post(f"{BASE}/vouchers/redeem", {"number": "0470123456", "pin": "1234567890123"}, key="v1")
    assert refused.status_code in (400, 404)
    assert state() == before
    from simrenew.vouchers.models import RedemptionAttempt

    assert RedemptionAttempt.objects.get().source == f"device:kiosk:{kiosk.pk}:own-ui"


def test_the_kiosk_api_is_in_the_openapi_document(client):
    schema = client.get("/api/openapi.json").json()
    paths = [path for path in schema["paths"] if path.startswith("/api/kiosk/")]
    assert sorted(paths) == sorted(
        [
            "/api/kiosk/balance-checks",
            "/api/kiosk/balance-checks/{check_id}/confirm",
            "/api/kiosk/quotes",
            "/api/kiosk/topups",
            "/api/kiosk/renewals",
            "/api/kiosk/vouchers/redeem",
            "/api/kiosk/transactions/{order_number}",
        ]
    )


def test_voucher_redeem_tops_up_once_and_replays(api, kiosk, line, topup_product):
    from tests.vouchers.factories import sell_pin

    issued = sell_pin(line.brand, 1500)
    first = api.post(f"{BASE}/vouchers/redeem", {"number": "0470123456", "pin": issued.pin}, key="v1")
    assert first.status_code == 201, first.content
    assert [(t["kind"], t["total_amount"], t["method"]) for t in first.json()["transactions"]] == [
        ("topup", 1500, "voucher")
    ]
    assert balances(line).credit_amount == 2500
    replay = api.post(f"{BASE}/vouchers/redeem", {"number": "0470123456", "pin": issued.pin}, key="v1")
    assert replay.status_code == 201 and replay.content == first.content
    used = api.post(f"{BASE}/vouchers/redeem", {"number": "0470123456", "pin": issued.pin}, key="v2")
    assert used.status_code == 409 and used.json()["code"] == "pin_already_redeemed"
    assert balances(line).credit_amount == 2500
