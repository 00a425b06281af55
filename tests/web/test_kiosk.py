"""The kiosk pages through Django's test client: the balance check by SMS code, cash and card
payments, what the screens show (a masked number only), refusals that change nothing."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.kiosks.models import CashSession, Kiosk, KioskSale, SessionStatus
from simrenew.ledger.models import Account, Journal, Posting
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import Order
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk, enrol_screen
from tests.web.form_keys import submit

pytestmark = pytest.mark.django_db
LANGUAGES = [code for code, _ in settings.LANGUAGES]


def url(name: str, language: str = "en", **kwargs: object) -> str:
    with translation.override(language):
        return reverse(f"kiosk:{name}", kwargs=kwargs)


@pytest.fixture
def kiosk(client):
    """The airport kiosk, with the test client enrolled as its screen."""
    kiosk = create_kiosk("airport")
    enrol_screen(client, kiosk)
    return kiosk


def other_screen() -> tuple[Client, Kiosk]:
    """Another kiosk, and a browser enrolled as its screen."""
    other, browser = create_kiosk(), Client()
    enrol_screen(browser, other)
    return browser, other


@pytest.fixture
def brand():
    return create_brand(code="acme", name="Acme Mobile")


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, price_amount=1500, names={"en": "Acme 15"})


@pytest.fixture
def topup_product(brand):
    return create_topup_product(brand)


@pytest.fixture
def line(brand):
    return create_line(brand, msisdn="+32470123456", credit=1234)


def state() -> tuple:
    return (
        Order.objects.count(),
        Journal.objects.count(),
        Posting.objects.count(),
        KioskSale.objects.count(),
        tuple(CashSession.objects.order_by("pk").values_list("status", "inserted_amount")),
        tuple(Account.objects.order_by("id").values_list("code", "balance_amount")),
    )


def errors(response) -> list[str]:
    return [e.strip() for e in re.findall(r'role="alert">([^<]+)', response.content.decode())]


def line_ref(client, kiosk, action, number="0470 12 34 56", language="en") -> str:
    response = client.post(url("number", language, kiosk=kiosk.code, action=action), {"number": number})
    assert response.status_code == 302, errors(response)
    return response.url


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_start_screen_in_every_language(client, kiosk, language):
    response = client.get(url("start", language, kiosk=kiosk.code))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    for code in LANGUAGES:  # a language choice on the start screen
        assert f'href="/{code}/kiosk/{kiosk.code}/"' in page
    assert 'data-idle-seconds="60"' in page
    assert "kiosk.js" in page


def test_the_start_screen_says_where_the_kiosk_is_in_the_screen_s_language(client, kiosk):
    kiosk.location = "Departures hall, level 4"
    kiosk.locations = {"nl": "Vertrekhal, niveau 4", "zh-hans": "出发大厅 4 层"}
    kiosk.save(update_fields=["location", "locations"])
    said = {
        language: client.get(url("start", language, kiosk=kiosk.code)).content.decode()
        for language in ("nl", "zh-hans", "fr")
    }
    assert '<p class="kiosk-where">Vertrekhal, niveau 4</p>' in said["nl"]
    assert '<p class="kiosk-where">出发大厅 4 层</p>' in said["zh-hans"]
    assert '<p class="kiosk-where">Departures hall, level 4</p>' in said["fr"]  # none given: the location


def test_other_screens_reset_to_the_start_screen_in_the_kiosks_language(client, kiosk):
    page = client.get(url("number", "zh-hans", kiosk=kiosk.code, action="topup")).content.decode()
    assert f'data-reset-url="/en/kiosk/{kiosk.code}/"' in page
    assert 'data-keypad="id_number"' in page and 'inputmode="none"' in page


def test_unknown_or_inactive_kiosks_are_not_in_service(client, kiosk):
    assert client.get(url("start", kiosk="nowhere")).status_code == 403
    kiosk.active = False
    kiosk.save()
    response = client.get(url("start", kiosk=kiosk.code))
    assert response.status_code == 403
    assert "This screen is not in service" in response.content.decode()


def test_balance_check_by_sms_code_shows_only_a_masked_number(client, kiosk, line, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        code_page = line_ref(client, kiosk, "balance")
    sms = OutboxMessage.objects.get(kind=OutboxKind.SMS, recipient=line.msisdn)
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    wrong = client.post(code_page, {"code": "000000" if code != "000000" else "111111"})
    assert "That code is not right. Check the SMS and try again." in errors(wrong)
    response = client.post(code_page, {"code": code})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "0470 •• •• 56" in page and "€12.34" in page
    assert "0470 12 34 56" not in page and "470123456" not in page


def test_a_balance_token_of_another_kiosk_or_made_up_shows_nothing(
    client, kiosk, line, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        code_page = line_ref(client, kiosk, "balance")
    token = code_page.rstrip("/").split("/")[-2]
    browser, other = other_screen()
    assert browser.get(url("balance", kiosk=other.code, token=token)).status_code == 400
    assert client.get(url("balance", kiosk=kiosk.code, token="made-up")).status_code == 400  # not verified


def test_a_bad_number_says_so_and_sends_nothing(client, kiosk):
    response = client.post(url("number", kiosk=kiosk.code, action="balance"), {"number": "12345"})
    assert response.status_code == 200
    assert "This is not a Belgian mobile number." in " ".join(errors(response))
    assert not OutboxMessage.objects.exists()


def test_a_tampered_line_reference_is_not_found(client, kiosk, line, topup_product):
    ref_url = line_ref(client, kiosk, "topup")
    assert client.get(ref_url).status_code == 200
    assert client.get(ref_url.replace("/topup/", "/topup/x")).status_code == 404
    browser, other = other_screen()
    assert browser.get(ref_url.replace(f"/{kiosk.code}/", f"/{other.code}/")).status_code == 404


def test_cash_topup_with_the_sandbox_acceptor(client, kiosk, line, topup_product):
    topup_page = line_ref(client, kiosk, "topup")
    page = client.get(topup_page).content.decode()
    assert "This kiosk gives no change" in page
    cash_url = client.post(topup_page, {"pay": "cash"}).url
    screen = client.get(cash_url).content.decode()
    assert "Insert €5.00 note" in screen and "Insert €2.00 coin" in screen
    for amount in (500, 200, 200):
        assert submit(client, cash_url, {"insert": amount}).status_code == 302
    before = state()
    refused = submit(client, cash_url, {"insert": 1})  # a 1-cent coin
    assert refused.status_code == 400
    assert "The kiosk did not accept this note or coin." in " ".join(errors(refused))
    assert state() == before
    assert "Top up €9.00" in client.get(cash_url).content.decode()
    done = submit(client, cash_url, {"finish": "1"})
    assert done.status_code == 302
    assert balances(line).credit_amount == 1234 + 900
    done_page = client.get(done.url).content.decode()
    order = Order.objects.get()
    assert order.number in done_page or order.receipt.verification_code in done_page
    receipt = client.get(
        url("receipt", kiosk=kiosk.code, number=order.number) + f"?code={order.receipt.verification_code}"
    )
    assert receipt.status_code == 200
    assert "80mm" in receipt.content.decode() and "0470 •• •• 56" in receipt.content.decode()


def test_a_receipt_needs_its_verification_code(client, kiosk, line, topup_product):
    cash_url = client.post(line_ref(client, kiosk, "topup"), {"pay": "cash"}).url
    submit(client, cash_url, {"insert": 1000})
    submit(client, cash_url, {"finish": "1"})
    order = Order.objects.get()
    assert client.get(url("receipt", kiosk=kiosk.code, number=order.number) + "?code=WRONG").status_code == 404
    assert client.get(url("done", kiosk=kiosk.code, number=order.number)).status_code == 404
    browser, other = other_screen()
    code = f"?code={order.receipt.verification_code}"
    assert browser.get(url("receipt", kiosk=other.code, number=order.number) + code).status_code == 404
    # As a person types it off the screen: in lower case, in groups, in full-width letters.
    verification = order.receipt.verification_code
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in verification)
    for typed in (verification.lower(), f"{verification[:4]} {verification[4:]}", full_width):
        assert client.get(url("receipt", kiosk=kiosk.code, number=order.number), {"code": typed}).status_code == 200


def test_cash_bundle_needs_the_price_and_the_rest_goes_to_credit(client, kiosk, line, bundle, topup_product):
    renew_page = line_ref(client, kiosk, "renew")
    chosen = client.get(renew_page, {"product": bundle.pk}).content.decode()
    assert "Anything you insert above the price is added to your credit as a top-up." in chosen
    cash_url = client.post(renew_page, {"product": bundle.pk, "pay": "cash"}).url
    submit(client, cash_url, {"insert": 1000})
    screen = client.get(cash_url).content.decode()
    assert "€5.00 still to insert" in screen
    before = state()
    short = submit(client, cash_url, {"finish": "1"})
    assert short.status_code == 409 and "Insert €5.00 more to pay for this bundle." in errors(short)
    assert state() == before
    submit(client, cash_url, {"insert": 1000})
    assert "€5.00 will be added to your credit" in client.get(cash_url).content.decode()
    assert submit(client, cash_url, {"finish": "1"}).status_code == 302
    assert sorted(Order.objects.values_list("kind", "total_amount")) == [("bundle", 1500), ("topup", 500)]
    assert balances(line).credit_amount == 1234 + 500


def test_cancel_before_any_cash_but_not_after(client, kiosk, line, topup_product):
    cash_url = client.post(line_ref(client, kiosk, "topup"), {"pay": "cash"}).url
    assert submit(client, cash_url, {"cancel": "1"}).status_code == 302
    assert CashSession.objects.get().status == SessionStatus.CANCELLED
    cash_url = client.post(line_ref(client, kiosk, "topup"), {"pay": "cash"}).url
    submit(client, cash_url, {"insert": 500})
    refused = submit(client, cash_url, {"cancel": "1"})
    assert refused.status_code == 409
    assert "Cash is already inserted" in " ".join(errors(refused))


def test_the_start_screen_credits_cash_left_behind(client, kiosk, line, topup_product):
    cash_url = client.post(line_ref(client, kiosk, "topup"), {"pay": "cash"}).url
    submit(client, cash_url, {"insert": 2000})
    client.get(url("start", kiosk=kiosk.code))  # the idle reset
    assert balances(line).credit_amount == 1234 + 2000
    assert client.get(cash_url).status_code == 302  # the session is finished


def test_card_topup_declined_then_approved(client, kiosk, line, topup_product):
    topup_page = line_ref(client, kiosk, "topup")
    card_url = topup_page.replace("/topup/", "/card/") + "?amount=1500"
    assert "€15.00" in client.get(card_url).content.decode()
    before = state()
    declined = submit(client, card_url, {"amount": 1500, "outcome": "decline"})
    assert declined.status_code == 402
    assert "The card was declined." in " ".join(errors(declined))
    assert state() == before
    approved = submit(client, card_url, {"amount": 1500, "outcome": "approve"})
    assert approved.status_code == 302
    assert balances(line).credit_amount == 1234 + 1500


def test_a_card_amount_not_on_offer_is_refused(client, kiosk, line, topup_product):
    card_url = line_ref(client, kiosk, "topup").replace("/topup/", "/card/")
    before = state()
    assert client.get(card_url + "?amount=1234").status_code == 400
    assert client.post(card_url, {"amount": "1234", "outcome": "approve"}).status_code == 400
    assert state() == before


def test_pages_with_a_line_answer_in_every_language(client, kiosk, line, bundle, topup_product):
    for language in LANGUAGES:
        for action in ("topup", "renew", "voucher"):
            ref_url = line_ref(client, kiosk, action, language=language)
            response = client.get(ref_url)
            assert response.status_code == 200, ref_url
            assert f'<html lang="{language}">' in response.content.decode()


def test_redeem_a_voucher_at_the_kiosk(client, kiosk, line, topup_product):
    from tests.vouchers.factories import sell_pin

    issued = sell_pin(line.brand, 1500)
    voucher_page = line_ref(client, kiosk, "voucher")
    before = state()
    wrong = submit(client, voucher_page, {"pin": "1234567890123"})
    assert wrong.status_code == 200 and errors(wrong)
    assert state() == before
    done = submit(client, voucher_page, {"pin": issued.pin})
    assert done.status_code == 302
    assert balances(line).credit_amount == 1234 + 1500
    order = Order.objects.get(line=line)
    assert KioskSale.objects.get(order=order).kiosk == kiosk
    assert client.get(done.url).status_code == 200
    again = submit(client, voucher_page, {"pin": issued.pin})
    assert "This PIN has already been used." in errors(again)
