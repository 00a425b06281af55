"""The renew page: each payment method is shown with its fee, as on the top-up page, and each bundle is
one card (name, price, what it includes) that the stylesheet lays out as a row."""

import re
from html import unescape

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.brands.models import PaymentMethod, PaymentMethodFee
from simrenew.customers.models import User
from tests.factories import create_brand, create_bundle, create_customer, create_line, link

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
METHOD_RADIO = re.compile(
    r'<label class="choice"><input type="radio" name="method" value="(?P<value>[^"]+)"[^>]*>(?P<label>.*?)</label>',
    re.S,
)


def _renew_page(customer: User, line_id: int, language: str) -> str:
    client = Client()
    client.force_login(customer, backend=MODEL_BACKEND)
    with translation.override(language):
        path = reverse("portal:renew", kwargs={"line_id": line_id})
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _methods(page: str) -> dict[str, str]:
    """Each payment method radio's value and the text of its label, spaces made plain."""
    return {
        m["value"]: " ".join(unescape(m["label"]).replace("\xa0", " ").split()) for m in METHOD_RADIO.finditer(page)
    }


@pytest.fixture
def customer_and_line():
    """A brand with the demo fees (card € 0.25, PayPal € 0.35 + 1.9 %, others free) and KBC switched off."""
    brand = create_brand(code="acme", name="Acme Mobile")
    PaymentMethodFee.objects.create(brand=brand, method=PaymentMethod.KBC, enabled=False)
    create_bundle(brand, price_amount=1500, names={"en": "Acme 15", "nl": "Acme 15 NL"})
    customer = create_customer()
    line = create_line(brand, credit=500)
    link(customer, line)
    return customer, line


def test_the_renew_page_shows_each_payment_method_with_its_fee(customer_and_line):
    customer, line = customer_and_line
    methods = _methods(_renew_page(customer, line.pk, "en"))
    assert methods["credit"] == "Line credit · no fee"
    assert methods["creditcard"] == "Card (Visa, Mastercard) · fee €0.25"
    assert methods["paypal"] == "PayPal · fee €0.35 + 1.9%"
    assert methods["bancontact"] == "Bancontact · no fee"
    # A method the brand switched off is not offered (the top-up page leaves it out too).
    assert "kbc" not in methods
    assert next(iter(methods)) == "credit"


def test_the_fee_is_written_in_the_pages_language(customer_and_line):
    customer, line = customer_and_line
    methods = _methods(_renew_page(customer, line.pk, "nl"))
    assert "€ 0,25" in methods["creditcard"]
    assert "€ 0,35" in methods["paypal"]
    assert "1,9%" in methods["paypal"]


def test_a_quote_can_still_be_asked_with_a_method_offered(customer_and_line):
    customer, line = customer_and_line
    client = Client()
    client.force_login(customer, backend=MODEL_BACKEND)
    product = line.brand.products.get(kind="bundle")
    response = client.post(
        reverse("portal:renew", kwargs={"line_id": line.pk}),
        {"product": str(product.pk), "method": "paypal", "quote": ""},
    )
    assert response.status_code == 200
    assert 'name="confirm"' in response.content.decode()


def test_each_bundle_is_a_card_with_its_name_price_and_what_it_includes(customer_and_line):
    customer, line = customer_and_line
    page = _renew_page(customer, line.pk, "nl")
    [card] = re.findall(r'<label class="product-choice">(.*?)</label>', page, re.S)
    assert re.search(r'<span class="name">Acme 15 NL</span>', card)
    assert re.search(r'<span class="price">€\xa015,00</span>', card)
    assert '<span class="details">' in card


def test_the_stylesheet_keeps_a_bundle_choice_a_card_and_its_price_whole():
    """The flex rule of labels holding a radio squeezed the card into three narrow columns: the card's
    own rule must outweigh it, and a price never breaks."""
    path = finders.find("simrenew/portal.css")
    assert path is not None
    with open(path, encoding="utf-8") as css:
        text = css.read()
    assert re.search(r"label\.product-choice:has\(> input\[type=radio\]\) \{[^}]*display: grid", text)
    price_rule = re.search(r"label\.product-choice \.price \{([^}]*)\}", text)
    assert price_rule is not None
    assert "white-space: nowrap" in price_rule.group(1)
    assert "justify-self: end" in price_rule.group(1)
