"""The hosted checkout speaks the payment's language (its Mollie locale), as Mollie's does; a payment
without a locale (simrenew sends none for Chinese, which Mollie lacks) follows the browser."""

import pytest
from django.test import Client
from django.utils import translation

from simrenew.sandbox import service
from tests.sandbox.helpers import payment_data

pytestmark = pytest.mark.django_db

# locale → (html lang, heading, the paid button, the amount as that language writes it)
EXPECTED = {
    "en_US": ("en", "TEST payment", "Paid", "€10.00"),
    "nl_BE": ("nl", "TESTbetaling", "Betaald", "€\xa010,00"),
    "fr_BE": ("fr", "Paiement de TEST", "Payé", "10,00\xa0€"),
    "de_DE": ("de", "TEST-Zahlung", "Bezahlt", "10,00\xa0€"),
}


def checkout(payment_id: str, **headers: str) -> str:
    response = Client().get(f"/sandbox/mollie/checkout/{payment_id}/", headers=headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("locale", EXPECTED)
def test_checkout_in_the_payments_language(locale):
    lang, heading, paid, amount = EXPECTED[locale]
    payment = service.create_payment(payment_data(locale=locale))

    # The browser's language does not override a payment's locale.
    html = checkout(payment.public_id, accept_language="zh-CN,zh;q=0.9")

    assert f'<html lang="{lang}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert f'<button type="submit" name="status" value="paid">{paid}</button>' in html
    assert amount in html


def test_chinese_customer_without_locale_gets_the_browsers_language():
    payment = service.create_payment(payment_data(locale=None, method="banktransfer"))

    html = checkout(payment.public_id, accept_language="zh-CN,zh;q=0.9,en;q=0.5")

    assert '<html lang="zh-hans">' in html
    assert "<h1>测试付款</h1>" in html
    assert '<button type="submit" name="status" value="paid">已支付</button>' in html
    assert '<button type="submit" name="status" value="open">保持未付（稍后支付）</button>' in html  # noqa: RUF001
    with translation.override("zh-hans"):
        assert translation.gettext("Structured reference") in html


def test_no_locale_and_no_browser_language_is_english():
    payment = service.create_payment(payment_data(locale=None))

    html = checkout(payment.public_id)

    assert '<html lang="en">' in html and "<h1>TEST payment</h1>" in html


def test_a_locale_the_sandbox_does_not_speak_falls_back_to_english():
    payment = service.create_payment(payment_data(locale="es_ES"))

    html = checkout(payment.public_id, accept_language="nl-BE")

    assert '<html lang="en">' in html


@pytest.mark.parametrize("locale", ["nl_BE", "fr_BE", "de_DE"])
def test_method_choice_and_bank_choice_are_translated(locale):
    payment = service.create_payment(payment_data(locale=locale, method=None))
    html = checkout(payment.public_id)
    assert "Choose a payment method" not in html

    service.choose_method(payment.public_id, "kbc")
    html = checkout(payment.public_id)
    assert "Choose your bank" not in html
    assert 'name="issuer" value="cbc">CBC</button>' in html
