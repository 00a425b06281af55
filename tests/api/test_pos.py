"""The POS API: every endpoint, and every refusal (authentication, idempotency, float, voids)."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from simrenew.audit.models import AuditEntry
from simrenew.kit import clock
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal
from simrenew.lines.queries import balances
from simrenew.orders.models import Order
from simrenew.retail import service as retail
from simrenew.retail.models import CommissionRate, Sale
from simrenew.terminals.models import IdempotentCall, TerminalKind, UsedNonce
from simrenew.vouchers import service as vouchers
from tests.factories import create_brand, create_bundle, create_line, create_order, create_topup_product
from tests.retail.factories import TerminalClient, create_outlet, create_retailer, create_terminal, set_rate

pytestmark = pytest.mark.django_db
BASE = "/api/pos"


@pytest.fixture
def shop(client: Client):
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand)
    bundle = create_bundle(brand, code="base-15", price_amount=1500)
    retailer = create_retailer(float_amount=5000)
    set_rate(retailer, brand, 500)
    outlet = create_outlet(retailer)
    terminal, secret = create_terminal(outlet)
    line = create_line(brand)
    return {
        "brand": brand,
        "bundle": bundle,
        "retailer": retailer,
        "outlet": outlet,
        "terminal": terminal,
        "line": line,
        "api": TerminalClient(client, terminal.key_id, secret),
    }


def nothing_written(before: dict[str, int]) -> bool:
    return counts() == before


def counts() -> dict[str, int]:
    return {
        "journals": Journal.objects.count(),
        "orders": Order.objects.count(),
        "sales": Sale.objects.count(),
        "idempotent": IdempotentCall.objects.count(),
    }


# --- reads


def test_look_up_a_number(shop):
    answer = shop["api"].get(f"{BASE}/lines/{shop['line'].msisdn}")
    assert answer.status == 200
    assert answer.body["brand"] == {"code": "base", "name": "BASE"}
    assert answer.body["can_buy"] is True
    assert {p["code"] for p in answer.body["products"]} >= {"base-15"}
    assert answer.body["voucher_values"] == [1000, 1500, 2000, 2500, 5000]


def test_look_up_a_number_typed_nationally_with_spaces(shop):
    national = "0" + shop["line"].msisdn[3:6] + " " + shop["line"].msisdn[6:]
    assert shop["api"].get(f"{BASE}/lines/{national}").status == 200


def test_look_up_an_unknown_or_invalid_number(shop):
    unknown = shop["api"].get(f"{BASE}/lines/+32499999999")
    assert (unknown.status, unknown.body["code"]) == (404, "unknown_line")
    invalid = shop["api"].get(f"{BASE}/lines/12345")
    assert (invalid.status, invalid.body["code"]) == (400, "invalid_msisdn")


def test_list_products(shop):
    answer = shop["api"].get(f"{BASE}/products?brand=base")
    assert answer.status == 200
    kinds = {p["kind"] for p in answer.body}
    assert kinds == {"bundle", "topup"}


def test_quote(shop):
    answer = shop["api"].post(f"{BASE}/quotes", {"number": shop["line"].msisdn, "product_code": "base-15"})
    assert answer.status == 200
    assert (answer.body["total_amount"], answer.body["commission_amount"], answer.body["float_amount"]) == (
        1500,
        75,
        1425,
    )
    assert answer.body["vat_amount"] == 260
    assert counts()["orders"] == 0


def test_quote_without_a_product_is_refused(shop):
    answer = shop["api"].post(f"{BASE}/quotes", {"number": shop["line"].msisdn})
    assert (answer.status, answer.body["code"]) == (400, "product_missing")


# --- sales


def test_sell_a_top_up(shop):
    answer = shop["api"].post(
        f"{BASE}/sales", {"number": shop["line"].msisdn, "topup_amount": 2000}, idempotency_key="sale-1"
    )
    assert answer.status == 201, answer.body
    body = answer.body
    assert (body["kind"], body["status"], body["amount"], body["commission_amount"]) == (
        "topup",
        "completed",
        2000,
        100,
    )
    assert body["receipt"]["number"].startswith("R-") and body["receipt"]["verification_code"]
    assert body["float_balance_amount"] == 5000 - 1900
    assert balances(shop["line"]).credit_amount == 2000
    assert ledger.verify() == []


def test_sell_a_bundle(shop):
    answer = shop["api"].post(
        f"{BASE}/sales", {"number": shop["line"].msisdn, "product_code": "base-15"}, idempotency_key="b-1"
    )
    assert answer.status == 201
    assert (answer.body["kind"], answer.body["product_code"]) == ("bundle", "base-15")


def test_a_replay_gets_the_identical_answer_and_sells_once(shop):
    sale = {"number": shop["line"].msisdn, "topup_amount": 1500}
    first = shop["api"].post(f"{BASE}/sales", sale, idempotency_key="k-42")
    again = shop["api"].post(f"{BASE}/sales", sale, idempotency_key="k-42")
    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Sale.objects.count() == 1
    assert balances(shop["line"]).credit_amount == 1500


def test_the_same_key_with_another_body_is_409(shop):
    shop["api"].post(f"{BASE}/sales", {"number": shop["line"].msisdn, "topup_amount": 1500}, idempotency_key="k-7")
    before = counts()
    other = shop["api"].post(
        f"{BASE}/sales", {"number": shop["line"].msisdn, "topup_amount": 2000}, idempotency_key="k-7"
    )
    assert (other.status, other.body["code"]) == (409, "idempotency_key_reused")
    assert nothing_written(before)


def test_a_key_belongs_to_its_terminal(shop, client):
    sale = {"number": shop["line"].msisdn, "topup_amount": 1000}
    shop["api"].post(f"{BASE}/sales", sale, idempotency_key="shared")
    terminal, secret = create_terminal(shop["outlet"])
    other = TerminalClient(client, terminal.key_id, secret).post(f"{BASE}/sales", sale, idempotency_key="shared")
    assert other.status == 201
    assert Sale.objects.count() == 2


def test_a_sale_without_idempotency_key_is_refused(shop):
    answer = shop["api"].post(f"{BASE}/sales", {"number": shop["line"].msisdn, "topup_amount": 1000})
    assert answer.status == 422
    assert counts()["sales"] == 0


def test_a_float_overdraft_is_refused_and_nothing_is_written(shop):
    assert _sell(shop, 5000, "all-but-250")["float_balance_amount"] == 250
    before, credit = counts(), balances(shop["line"]).credit_amount
    sale = {"number": shop["line"].msisdn, "topup_amount": 1000}
    answer = shop["api"].post(f"{BASE}/sales", sale, idempotency_key="too-much")
    assert (answer.status, answer.body["code"]) == (409, "float_too_low")
    assert nothing_written(before)
    assert retail.float_balance(shop["retailer"]) == 250
    assert balances(shop["line"]).credit_amount == credit
    # the key stays free: after a float top-up the same call goes through
    retail.top_up_float(retailer=shop["retailer"], amount=10_000)
    assert shop["api"].post(f"{BASE}/sales", sale, idempotency_key="too-much").status == 201


def test_sell_an_unknown_product(shop):
    answer = shop["api"].post(
        f"{BASE}/sales", {"number": shop["line"].msisdn, "product_code": "nope"}, idempotency_key="u"
    )
    assert (answer.status, answer.body["code"]) == (404, "unknown_product")


def test_sell_an_epin_and_redeem_it(shop):
    answer = shop["api"].post(f"{BASE}/vouchers", {"brand": "base", "value_amount": 1500}, idempotency_key="pin-1")
    assert answer.status == 201
    pin = answer.body["pin"]
    assert pin and len(pin) == 15 and answer.body["voucher"]["last_digits"] == pin[-4:]
    assert "TOPUP" in answer.body["how_to_redeem"]
    assert retail.float_balance(shop["retailer"]) == 5000 - 1425
    # a replay (the terminal lost the answer) gives the PIN again
    again = shop["api"].post(f"{BASE}/vouchers", {"brand": "base", "value_amount": 1500}, idempotency_key="pin-1")
    assert again.body["pin"] == pin
    # and it is not kept in clear anywhere
    assert pin not in str(list(IdempotentCall.objects.values_list("body_sealed", flat=True)))
    redemption = vouchers.redeem(
        code=pin, line=shop["line"], channel="portal", guesser=vouchers.Guesser(address="192.0.2.1")
    )
    assert redemption.order.total_amount == 1500
    fetched = shop["api"].get(f"{BASE}/sales/{answer.body['number']}")
    assert fetched.body["pin"] is None and fetched.body["voucher"]["state"] == "redeemed"


def test_sell_a_pin_of_a_value_not_offered(shop):
    answer = shop["api"].post(f"{BASE}/vouchers", {"brand": "base", "value_amount": 1234}, idempotency_key="p")
    assert (answer.status, answer.body["code"]) == (400, "voucher_value_not_offered")


def test_sell_a_printed_card(shop):
    _batch, cards = vouchers.create_batch(brand=shop["brand"], value_amount=1000, count=1)
    answer = shop["api"].post(f"{BASE}/cards", {"serial": cards[0].voucher.serial}, idempotency_key="c-1")
    assert (answer.status, answer.body["kind"], answer.body["pin"]) == (201, "card", None)
    unknown = shop["api"].post(f"{BASE}/cards", {"serial": "VNOPE"}, idempotency_key="c-2")
    assert (unknown.status, unknown.body["code"]) == (404, "unknown_card")


# --- voids


def _sell(shop, amount=2000, key="s"):
    return (
        shop["api"]
        .post(f"{BASE}/sales", {"number": shop["line"].msisdn, "topup_amount": amount}, idempotency_key=key)
        .body
    )


def test_void_a_sale(shop):
    sale = _sell(shop)
    answer = shop["api"].post(f"{BASE}/sales/{sale['number']}/void", idempotency_key="v-1")
    assert (answer.status, answer.body["status"]) == (200, "voided")
    assert answer.body["float_balance_amount"] == 5000
    assert balances(shop["line"]).credit_amount == 0
    again = shop["api"].post(f"{BASE}/sales/{sale['number']}/void", idempotency_key="v-1")
    assert again.body == answer.body
    second = shop["api"].post(f"{BASE}/sales/{sale['number']}/void", idempotency_key="v-2")
    assert (second.status, second.body["code"]) == (409, "sale_already_voided")


def test_void_outside_the_window_is_refused(shop):
    sale = _sell(shop)
    before = counts()
    with time_machine.travel(clock.now() + timedelta(minutes=11)):
        answer = shop["api"].post(f"{BASE}/sales/{sale['number']}/void", idempotency_key="late")
    assert (answer.status, answer.body["code"]) == (409, "void_window_closed")
    assert nothing_written(before)


def test_void_after_use_is_refused(shop):
    sale = _sell(shop)
    create_order(line=shop["line"], product=shop["bundle"], method="credit")
    before = counts()
    answer = shop["api"].post(f"{BASE}/sales/{sale['number']}/void", idempotency_key="used")
    assert (answer.status, answer.body["code"]) == (409, "sale_already_used")
    assert nothing_written(before)


def test_void_of_a_redeemed_pin_is_refused(shop):
    sold = shop["api"].post(f"{BASE}/vouchers", {"brand": "base", "value_amount": 1000}, idempotency_key="pin").body
    vouchers.redeem(
        code=sold["pin"], line=shop["line"], channel="portal", guesser=vouchers.Guesser(address="192.0.2.1")
    )
    answer = shop["api"].post(f"{BASE}/sales/{sold['number']}/void", idempotency_key="vp")
    assert (answer.status, answer.body["code"]) == (409, "sale_already_used")


def test_void_of_an_unknown_sale(shop):
    answer = shop["api"].post(f"{BASE}/sales/PS-NOPE/void", idempotency_key="x")
    assert (answer.status, answer.body["code"]) == (404, "unknown_sale")


# --- fetch, settlement


def test_fetch_a_sale_and_not_another_retailers(shop, client):
    sale = _sell(shop)
    assert shop["api"].get(f"{BASE}/sales/{sale['number']}").body["number"] == sale["number"]
    terminal, secret = create_terminal(create_outlet(create_retailer()))
    other = TerminalClient(client, terminal.key_id, secret).get(f"{BASE}/sales/{sale['number']}")
    assert other.status == 404


def test_settlement_reconciles_with_the_ledger(shop):
    first, second = _sell(shop, 2000, "a"), _sell(shop, 1000, "b")
    shop["api"].post(f"{BASE}/sales/{second['number']}/void", idempotency_key="c")
    answer = shop["api"].get(f"{BASE}/settlement?scope=retailer")
    assert answer.status == 200
    body = answer.body
    assert body["reconciles"] is True
    totals = body["totals"]
    assert (totals["sales_count"], totals["sales_amount"], totals["voids_count"], totals["voids_amount"]) == (
        2,
        3000,
        1,
        1000,
    )
    assert totals["commission_amount"] == 100
    assert totals["deposits_amount"] == 5000
    assert body["opening_amount"] == 0
    assert body["closing_amount"] == retail.float_balance(shop["retailer"]) == 5000 - 1900
    assert body["opening_amount"] + totals["float_amount"] == body["closing_amount"]
    outlet_view = shop["api"].get(f"{BASE}/settlement").body
    assert outlet_view["outlet"] == shop["outlet"].name and outlet_view["totals"]["deposits_amount"] == 0
    assert first["number"] in {m["sale"] for m in body["movements"]}


def test_settlement_of_another_day_is_empty(shop):
    _sell(shop)
    answer = shop["api"].get(f"{BASE}/settlement?date=2020-01-01&scope=retailer")
    assert answer.status == 200 and answer.body["movements"] == [] and answer.body["reconciles"] is True


# --- authentication refusals: 401, one audit line, nothing else


def refused(answer, reason: str) -> None:
    assert (answer.status, answer.body["code"]) == (401, "terminal_auth_refused")
    entry = AuditEntry.objects.filter(action="terminal.auth_refused").latest("id")
    assert entry.details["reason"] == reason


def test_a_tampered_body_is_refused(shop, client):
    api = shop["api"]
    body = b'{"number": "%s", "topup_amount": 1000}' % shop["line"].msisdn.encode()
    from simrenew.terminals.signing import signed_headers

    headers = signed_headers(key_id=api.key_id, secret=api.secret, method="POST", url=f"{BASE}/sales", body=body)
    before, nonces = counts(), UsedNonce.objects.count()
    tampered = body.replace(b"1000", b"5000")
    response = client.post(
        f"{BASE}/sales", tampered, content_type="application/json", headers={**headers, "Idempotency-Key": "t"}
    )
    refused(type("A", (), {"status": response.status_code, "body": response.json()}), "bad_signature")
    assert nothing_written(before) and UsedNonce.objects.count() == nonces


def test_a_wrong_secret_is_refused(shop, client):
    answer = TerminalClient(client, shop["terminal"].key_id, "not-the-secret").get(f"{BASE}/products")
    refused(answer, "bad_signature")


def test_a_stale_request_is_refused(shop):
    # Five minutes are allowed either way; a few seconds more than that, not one: the stamp is whole
    # seconds (int() drops up to a second) and the server reads its clock a moment later, so a stamp of
    # now + 301 s could arrive 300.x s ahead and rightly pass.
    answer = shop["api"].get(f"{BASE}/products", timestamp=int(time.time()) - 305)
    refused(answer, "stale")
    future = shop["api"].get(f"{BASE}/products", timestamp=int(time.time()) + 305)
    refused(future, "stale")


def test_a_replayed_nonce_is_refused(shop):
    assert shop["api"].get(f"{BASE}/products", nonce="n" * 20).status == 200
    before = counts()
    again = shop["api"].post(
        f"{BASE}/sales", {"number": shop["line"].msisdn, "topup_amount": 1000}, idempotency_key="r", nonce="n" * 20
    )
    refused(again, "replayed")
    assert nothing_written(before)


def test_an_unknown_terminal_is_refused(shop, client):
    answer = TerminalClient(client, "T-UNKNOWN", "whatever").get(f"{BASE}/products")
    refused(answer, "unknown_terminal")
    assert AuditEntry.objects.latest("id").terminal == "T-UNKNOWN"


def test_an_unsigned_request_is_refused(shop, client):
    response = client.get(f"{BASE}/products")
    assert response.status_code == 401
    assert AuditEntry.objects.latest("id").details["reason"] == "missing_headers"


def test_an_inactive_or_other_kind_terminal_is_refused(shop, client):
    kiosk, secret = create_terminal(shop["outlet"], kind=TerminalKind.KIOSK)
    refused(TerminalClient(client, kiosk.key_id, secret).get(f"{BASE}/products"), "wrong_terminal_kind")
    shop["terminal"].active = False
    shop["terminal"].save()
    refused(shop["api"].get(f"{BASE}/products"), "inactive_terminal")


def test_a_terminal_not_installed_at_an_outlet_is_forbidden(client):
    terminal, secret = create_terminal(None)
    answer = TerminalClient(client, terminal.key_id, secret).get(f"{BASE}/products")
    assert (answer.status, answer.body["code"]) == (403, "not_at_an_outlet")


def test_a_refused_sale_uses_up_its_nonce_too(shop):
    drain = {"number": shop["line"].msisdn, "topup_amount": 5000}
    assert shop["api"].post(f"{BASE}/sales", drain, idempotency_key="drain").status == 201
    # The float cannot cover it: the sale is refused and rolled back, its nonce with it...
    sale = {"number": shop["line"].msisdn, "topup_amount": 1000}
    first = shop["api"].post(f"{BASE}/sales", sale, idempotency_key="big", nonce="m" * 20)
    assert first.status == 409, first.body
    # ...yet the same signed request cannot be replayed once the float is topped up.
    retail.top_up_float(retailer=shop["retailer"], amount=20_000, reference="wire")
    before = counts()
    again = shop["api"].post(f"{BASE}/sales", sale, idempotency_key="big", nonce="m" * 20)
    refused(again, "replayed")
    assert nothing_written(before)
    assert UsedNonce.objects.filter(nonce="m" * 20).count() == 1


def test_a_commission_rate_changed_in_the_back_office_applies_to_the_next_sale(shop):
    sale = {"number": shop["line"].msisdn, "topup_amount": 1000}
    first = shop["api"].post(f"{BASE}/sales", sale, idempotency_key="c-1")
    assert first.body["commission_amount"] == 50  # 5 %, kept per process since this sale
    rate = CommissionRate.objects.get(retailer=shop["retailer"], brand=shop["brand"])
    rate.rate_bp = 300  # what the retailer's commission inline saves
    rate.save()
    second = shop["api"].post(f"{BASE}/sales", sale, idempotency_key="c-2")
    assert second.body["commission_amount"] == 30
