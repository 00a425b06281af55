"""The portal's lifecycle pages through Django's test client: the auto-renew switch, the monthly limit,
saving and removing a payment method, message preferences with marketing consent, promo codes."""

from datetime import UTC, datetime
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.notifications import preferences
from simrenew.notifications.models import NotificationKind
from simrenew.orders.models import Order, OrderStatus
from simrenew.payments.models import Mandate, MandateStatus
from simrenew.renewals.models import AutoRenewSetting, SpendingCap
from simrenew.sandbox import service as sandbox
from tests.factories import create_brand, create_bundle, create_customer, create_line, link
from tests.lifecycle import create_promotion

T0 = datetime(2026, 4, 15, 10, 0, tzinfo=UTC)


def url(name: str, language: str = "en", **kwargs: object) -> str:
    with translation.override(language):
        return reverse(f"portal:{name}", kwargs=kwargs or None)


@pytest.fixture
def brand():
    return create_brand(code="acme", name="Acme Mobile")


@pytest.fixture
def customer_line(brand):
    customer = create_customer(email="page@example.be")
    line = create_line(brand, credit=500)
    link(customer, line)
    create_bundle(brand, price_amount=1500, names={"en": "Acme 15"})
    client = Client()
    client.force_login(customer)
    return client, customer, line


@pytest.mark.django_db
def test_the_auto_renew_switch(customer_line):
    client, customer, line = customer_line
    page = client.get(url("auto_renew", line_id=line.pk)).content.decode()
    assert "Auto-renew is off" in page and "Switch auto-renew on" in page
    assert url("auto_renew", line_id=line.pk) in client.get(url("account")).content.decode()

    response = client.post(url("auto_renew", line_id=line.pk), {"action": "on"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.auto_renew is True
    assert AutoRenewSetting.objects.get(line=line).customer == customer
    assert "Switch auto-renew off" in client.get(url("auto_renew", line_id=line.pk)).content.decode()

    client.post(url("auto_renew", line_id=line.pk), {"action": "off"})
    line.refresh_from_db()
    assert line.auto_renew is False


@pytest.mark.django_db
def test_someone_elses_line_is_not_found(customer_line, brand):
    client, _, _ = customer_line
    other = create_line(brand)
    link(create_customer(), other)
    assert client.get(url("auto_renew", line_id=other.pk)).status_code == 404
    assert client.post(url("auto_renew", line_id=other.pk), {"action": "on"}).status_code == 404
    other.refresh_from_db()
    assert other.auto_renew is False


@pytest.mark.django_db
def test_the_monthly_limit(customer_line):
    client, customer, line = customer_line
    target = url("auto_renew", line_id=line.pk)
    client.post(target, {"action": "cap", "limit": "12.50"})
    assert SpendingCap.objects.get(customer=customer).monthly_limit_amount == 1250
    page = client.post(target, {"action": "cap", "limit": "-1"}).content.decode()
    assert 'role="alert"' in page
    assert SpendingCap.objects.get(customer=customer).monthly_limit_amount == 1250
    client.post(target, {"action": "cap", "limit": ""})
    assert SpendingCap.objects.get(customer=customer).monthly_limit_amount is None


@pytest.mark.django_db
def test_the_monthly_limit_is_typed_as_the_customer_writes_it(customer_line):
    """A text box (a browser's number box sends letters as nothing, and may read "12,50" as 1250):
    a decimal comma is cents, and anything else is refused, keeping the limit as it was."""
    client, customer, line = customer_line
    target = f"/nl/account/lines/{line.pk}/auto-renew/"
    page = client.get(target).content.decode()
    assert 'name="limit"' in page and 'type="number"' not in page.split('name="limit"')[0].rsplit("<input", 1)[1]
    client.post(target, {"action": "cap", "limit": "12,50"})
    assert SpendingCap.objects.get(customer=customer).monthly_limit_amount == 1250
    assert 'value="12,50"' in client.get(target).content.decode()  # shown back as typed in Dutch
    for typed, message in [
        ("abc", "Vul een bedrag in euro in, zoals 12,50."),
        ("1.250,00", "Vul een bedrag in euro in, zoals 12,50."),
        ("100000", "Vul een bedrag van hoogstens €\xa099.999,99 in."),
    ]:
        refused = client.post(target, {"action": "cap", "limit": typed}).content.decode()
        assert message in unescape(refused), typed
        assert SpendingCap.objects.get(customer=customer).monthly_limit_amount == 1250


@pytest.mark.django_db
def test_message_preferences_and_marketing_consent(customer_line):
    client, customer, _ = customer_line
    page = client.get(url("notification_settings")).content.decode()
    assert "Bundle ending soon by SMS" in page  # each checkbox is labelled
    assert 'name="marketing_email"' in page and "checked" not in page.split('name="marketing_email"')[1][:40]

    data = {f"{kind}__email": "on" for kind in ("expiring_soon", "renewed")} | {
        "renewed__sms": "on",
        "marketing_email": "on",
    }
    assert client.post(url("notification_settings"), data).status_code == 302
    chosen = preferences.preferences_of(customer.pk)
    assert chosen[NotificationKind.EXPIRING_SOON] == (True, False)
    assert chosen[NotificationKind.RENEWED] == (True, True)
    assert chosen[NotificationKind.LOW_CREDIT] == (False, False)
    assert preferences.marketing_consent(customer.pk) == (True, False)


@pytest.mark.django_db
def test_a_promo_code_on_the_renew_page(customer_line, brand, time_machine):
    time_machine.move_to(T0, tick=False)
    client, _, line = customer_line
    bundle = brand.products.get(kind="bundle")
    create_promotion(
        code="students", starts_at=T0, amount_off=500, promo_code="STUDENT26", names={"en": "Student deal"}
    )
    target = url("renew", line_id=line.pk)
    page = client.post(
        target, {"product": bundle.pk, "method": "bancontact", "promo_code": "student26"}
    ).content.decode()
    assert "Student deal" in page and "€10.00" in page
    page = client.post(target, {"product": bundle.pk, "method": "bancontact", "promo_code": "NOPE"}).content.decode()
    assert "This promo code is not valid for this purchase." in page
    client.post(target, {"product": bundle.pk, "method": "bancontact", "promo_code": "NOPE", "confirm": "1"})
    assert Order.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_renew_and_save_the_payment_method_then_remove_it(customer_line, site):
    client, customer, line = customer_line
    response = client.post(url("save_payment_method", line_id=line.pk), {"method": "creditcard"})
    assert response.status_code == 302 and "/sandbox/mollie/checkout/" in response["Location"]
    order = Order.objects.get()
    sandbox.set_status(order.payments.get().provider_payment_id, "paid")
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    line.refresh_from_db()
    assert line.auto_renew is True
    mandate = Mandate.objects.get(customer=customer)
    page = client.get(url("auto_renew", line_id=line.pk)).content.decode()
    assert "Mastercard •••• 6787" in page and "Auto-renew is on" in page

    client.post(url("remove_payment_method", mandate_id=mandate.pk), {"line": line.pk})
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.REVOKED
    assert "No payment method is saved" in client.get(url("auto_renew", line_id=line.pk)).content.decode()
