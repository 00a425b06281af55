"""KBC/CBC Payment Button, Belfius Pay Button and Apple Pay: priced per brand, created through the
official Mollie client against the sandbox, shown and paid on its hosted checkout."""

import pytest
from django.test import Client

from simrenew.brands.models import ONLINE_METHODS, PaymentMethod, online_method_choices
from simrenew.brands.queries import enabled_online_methods
from simrenew.orders.quotes import quote_order
from simrenew.payments.mollie import MollieProvider
from simrenew.payments.provider import ProviderRefused
from simrenew.reference import cache
from simrenew.sandbox.models import SandboxPayment
from tests.factories import create_brand, create_bundle, create_line
from tests.payments.test_mollie_provider import TEST_KEY, create

NEW_METHODS = ["kbc", "belfius", "applepay"]


@pytest.fixture
def provider(live_server, settings) -> MollieProvider:
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    settings.MOLLIE_API_KEY = TEST_KEY
    return MollieProvider()


def checkout(payment_id: str, browser: Client | None = None, **headers: str) -> str:
    response = (browser or Client()).get(f"/sandbox/mollie/checkout/{payment_id}/", headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_new_methods_are_offered_online_with_mollies_ids():
    assert [m.value for m in ONLINE_METHODS if m.value in NEW_METHODS] == NEW_METHODS
    labels = dict(online_method_choices())
    assert str(labels["kbc"]) == "KBC/CBC Payment Button"
    assert str(labels["belfius"]) == "Belfius Pay Button"
    # Apple Pay says where it works before the customer chooses it.
    assert str(labels["applepay"]) == "Apple Pay (in Safari on an iPhone, iPad or Mac with Apple Pay set up)"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "fixed", "bp", "fee"), [("kbc", 0, 0, 0), ("belfius", 10, 0, 10), ("applepay", 25, 100, 40)]
)
def test_each_method_has_its_fee_per_brand(method, fixed, bp, fee):
    brand = create_brand(fees={method: (fixed, bp)})
    other = create_brand(fees={method: (99, 0)})
    bundle = create_bundle(brand, price_amount=1500)

    quote = quote_order(line=create_line(brand), product=bundle, method=method, channel="web")

    assert (quote.method, quote.fee_amount, quote.total_amount) == (method, fee, 1500 + fee)
    other_quote = quote_order(
        line=create_line(other), product=create_bundle(other, price_amount=1500), method=method, channel="web"
    )
    assert other_quote.fee_amount == 99


@pytest.mark.django_db
def test_a_disabled_method_is_not_offered():
    brand = create_brand(fees={"belfius": (0, 0)})
    brand.fees.filter(method="belfius").update(enabled=False)
    cache.clear()
    assert "belfius" not in enabled_online_methods(brand)
    assert "kbc" in enabled_online_methods(brand)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("method", "label", "paid_detail"),
    [
        ("belfius", "Belfius Pay Button", ("consumer_bic", "GKCCBEBB")),
        ("applepay", "Apple Pay", ("wallet", "applepay")),
        ("kbc", "KBC/CBC Payment Button", ("consumer_bic", "KREDBEBB")),
    ],
)
def test_created_through_the_official_client_shown_and_paid_on_the_checkout(provider, method, label, paid_detail):
    payment = create(provider, method=method, idempotency_key=f"{method}-1", locale="en")

    assert (payment.status, payment.method) == ("open", method)
    page = checkout(payment.id)
    assert label in page
    browser = Client()
    if method == "kbc":
        # No issuer given: the checkout asks for the bank first, as Mollie's does.
        assert 'name="issuer" value="kbc"' in page and 'name="issuer" value="cbc"' in page
        assert browser.post(f"/sandbox/mollie/checkout/{payment.id}/", {"status": "paid"}).status_code == 400
        browser.post(f"/sandbox/mollie/checkout/{payment.id}/", {"issuer": "kbc"})
        assert "KBC/CBC Payment Button · KBC" in checkout(payment.id)
    done = browser.post(f"/sandbox/mollie/checkout/{payment.id}/", {"status": "paid"})
    assert done.status_code == 302

    paid = provider.get_payment(payment.id)
    assert (paid.status, paid.method) == ("paid", method)
    assert paid.details[paid_detail[0]] == paid_detail[1]


@pytest.mark.django_db(transaction=True)
def test_kbc_with_the_issuer_given_skips_the_bank_choice(provider):
    payment = create(provider, method="kbc", idempotency_key="cbc-1", locale="fr", issuer="cbc")

    page = checkout(payment.id)

    assert SandboxPayment.objects.get(public_id=payment.id).issuer == "cbc"
    assert 'name="issuer"' not in page and 'name="status" value="paid"' in page
    Client().post(f"/sandbox/mollie/checkout/{payment.id}/", {"status": "paid"})
    assert provider.get_payment(payment.id).details["consumer_bic"] == "CREGBEBB"


@pytest.mark.django_db(transaction=True)
def test_a_wrong_issuer_is_refused_and_creates_nothing(provider):
    with pytest.raises(ProviderRefused):
        create(provider, method="kbc", idempotency_key="kbc-bad", issuer="ing")
    with pytest.raises(ProviderRefused):
        create(provider, method="belfius", idempotency_key="belfius-bad", issuer="kbc")
    assert SandboxPayment.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_consumer_can_pick_a_new_method_on_the_checkout(provider):
    payment = create(provider, method="", idempotency_key="pick-1", locale="en")

    page = checkout(payment.id)

    for value in ("bancontact", "kbc", "belfius", "creditcard", "applepay", "paypal", "banktransfer"):
        assert f'name="method" value="{value}"' in page
    assert "Apple Pay is offered only in Safari" in page
    Client().post(f"/sandbox/mollie/checkout/{payment.id}/", {"method": "belfius"})
    assert provider.get_payment(payment.id).method == PaymentMethod.BELFIUS
