"""MollieProvider drives the official client; here it talks HTTP to the built-in sandbox."""

from decimal import Decimal

import pytest

from simrenew.kit.structured_reference import parse_structured_reference
from simrenew.payments.mollie import MollieProvider, cents, mollie_amount, mollie_locale
from simrenew.payments.provider import PaymentProvider, ProviderError, ProviderPayment, get_provider
from simrenew.sandbox import service
from simrenew.sandbox.models import SandboxPayment

TEST_KEY = "test_providertests00000000000000000"


@pytest.fixture
def provider(live_server, settings) -> MollieProvider:
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    settings.MOLLIE_API_KEY = TEST_KEY
    return MollieProvider()


def create(provider: PaymentProvider, **overrides: object) -> ProviderPayment:
    arguments: dict = {
        "amount": 1234,
        "currency": "EUR",
        "description": "Top-up 0470 12 34 56",
        "method": "banktransfer",
        "redirect_url": "https://shop.example/orders/7/return/",
        "webhook_url": "",
        "metadata": {"order": "7"},
        "idempotency_key": "order-7-payment-1",
        "locale": "nl",
    }
    arguments.update(overrides)
    return provider.create_payment(**arguments)


@pytest.mark.parametrize(
    ("language", "locale"),
    [
        ("zh-hans", ""),  # no Chinese checkout at Mollie: the browser's language decides
        ("nl", "nl_BE"),
        ("fr", "fr_BE"),
        ("de", "de_DE"),
        ("en", "en_US"),
        ("nl-be", "nl_BE"),
        ("xx", "en_US"),
        ("", "en_US"),
    ],
)
def test_locale_mapping(language, locale):
    assert mollie_locale(language) == locale


def test_amounts_are_exact_strings_and_cents():
    assert mollie_amount(1000, "EUR") == {"currency": "EUR", "value": "10.00"}
    assert mollie_amount(5, "EUR") == {"currency": "EUR", "value": "0.05"}
    assert cents({"currency": "EUR", "value": "12.34"}) == 1234
    assert cents({"currency": "EUR", "value": "0.29"}) == 29  # 0.29 * 100 is 28.999… in float


def test_empty_endpoint_means_mollie_itself(settings):
    settings.MOLLIE_API_ENDPOINT = ""
    settings.MOLLIE_API_KEY = TEST_KEY

    assert MollieProvider().client.api_endpoint == "https://api.mollie.com"


def test_malformed_key_is_a_provider_error(settings):
    settings.MOLLIE_API_KEY = "not-a-key"

    with pytest.raises(ProviderError):
        MollieProvider()


@pytest.mark.django_db(transaction=True)
def test_round_trip_through_the_sandbox(provider, live_server, settings):
    assert isinstance(get_provider("mollie"), MollieProvider)
    typed: PaymentProvider = provider  # MollieProvider satisfies the protocol (checked by mypy)

    payment = create(typed)

    assert payment.id.startswith("tr_")
    assert (payment.status, payment.amount, payment.currency, payment.method) == ("open", 1234, "EUR", "banktransfer")
    assert payment.checkout_url == f"{live_server.url}/sandbox/mollie/checkout/{payment.id}/"
    assert payment.metadata == {"order": "7"}
    assert payment.details["bank_account"] == settings.BANK_TRANSFER_IBAN.replace(" ", "")
    assert payment.details["bank_bic"] == settings.BANK_TRANSFER_BIC
    assert parse_structured_reference(payment.details["transfer_reference"])
    stored = SandboxPayment.objects.get(public_id=payment.id)
    assert (stored.locale, stored.amount_value, stored.webhook_url) == ("nl_BE", Decimal("12.34"), "")

    # The same idempotency key (a retried request) gives the same payment, not a second one.
    assert create(typed).id == payment.id
    assert SandboxPayment.objects.count() == 1

    service.set_status(payment.id, "paid")
    paid = typed.get_payment(payment.id)
    assert paid.status == "paid"
    assert paid.details["transfer_reference"] == payment.details["transfer_reference"]

    refund = typed.refund(payment_id=payment.id, amount=234, currency="EUR", idempotency_key="order-7-refund-1")
    assert refund.id.startswith("re_")
    assert (refund.status, refund.amount) == ("pending", 234)
    again = typed.refund(payment_id=payment.id, amount=234, currency="EUR", idempotency_key="order-7-refund-1")
    assert again.id == refund.id


@pytest.mark.django_db(transaction=True)
def test_card_payment_has_no_bank_details(provider):
    payment = create(provider, method="creditcard", idempotency_key="card-1", locale="zh-hans")

    assert payment.details == {}
    # No locale for Chinese: the checkout follows the browser's language.
    assert SandboxPayment.objects.get(public_id=payment.id).locale == ""


@pytest.mark.django_db(transaction=True)
def test_client_errors_become_provider_errors(provider, settings):
    with pytest.raises(ProviderError, match="tr_missing"):
        provider.get_payment("tr_missing")
    with pytest.raises(ProviderError):
        provider.get_payment("not-a-payment-id")  # refused by the client before any request

    unpaid = create(provider, method="creditcard", idempotency_key="card-2")
    with pytest.raises(ProviderError):
        provider.refund(payment_id=unpaid.id, amount=100, currency="EUR", idempotency_key="refund-unpaid")

    settings.MOLLIE_API_KEY = "live_notallowedinthesandbox0000000"
    with pytest.raises(ProviderError, match="test API keys"):
        MollieProvider().get_payment(unpaid.id)
