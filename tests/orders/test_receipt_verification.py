"""Checking a receipt on the official site reads the number and code as people type them off paper or
a screen (any case, spaces, hyphens, full-width letters, the number without its "R-"), and still refuses
a wrong code with the same message, in the page's language."""

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from simrenew.orders.models import Receipt
from simrenew.orders.receipts import typed_code, typed_receipt_number
from tests.factories import create_brand, create_bundle, create_line, create_order, fulfil_paid

pytestmark = pytest.mark.django_db

NUMBER, CODE = "R-REY2WQFDTS", "FWGAVFDV"
REFUSED = "No receipt matches this number and code. It may not be genuine."


def full_width(text: str) -> str:
    """`text` as a Chinese or Japanese keyboard types it: printable ASCII in its full-width forms."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


@pytest.fixture
def receipt():
    brand = create_brand()
    order = fulfil_paid(create_order(line=create_line(brand), product=create_bundle(brand), method="bancontact"))
    Receipt.objects.filter(order=order).update(number=NUMBER, verification_code=CODE)
    return Receipt.objects.get(order=order)


def check(number: str, code: str, language: str = "en") -> str:
    response = Client().get(f"/{language}/verify/", {"number": number, "code": code})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("number", "code"),
    [
        (NUMBER, CODE),
        (NUMBER, full_width("FWGAVFDV")),  # full-width letters, from a Chinese or Japanese keyboard
        (NUMBER, "FWGA VFDV"),
        (NUMBER, "FWGA-VFDV"),
        (NUMBER, "fwga\u3000vfdv"),  # the ideographic space
        ("REY2WQFDTS", CODE),  # the number without its prefix
        ("rey2wqfdts", "fwgavfdv"),
        (" r-rey2 wqfd ts ", CODE),
        (full_width("R-REY2WQFDTS"), CODE),  # full-width letters, digit and hyphen
    ],
)
def test_a_genuine_receipt_is_found_however_its_number_and_code_are_typed(receipt, number, code):
    page = check(number, code)
    assert f"Genuine receipt {NUMBER}" in page
    assert REFUSED not in page


@pytest.mark.parametrize(
    ("number", "code"),
    [
        (NUMBER, "FWGAVFDW"),  # one character off
        (NUMBER, "FWGAVFD"),
        ("R-REY2WQFDTT", CODE),
        (NUMBER, "FWGAVFDV\u0301"),  # a combining accent is not ignored
        (NUMBER, "FWGAVFD\u0412"),  # a Cyrillic letter that looks like a Latin B is not a B
        ("RR-REY2WQFDTS", CODE),
    ],
)
def test_a_wrong_number_or_code_is_refused_with_the_same_message(receipt, number, code):
    page = check(number, code)
    assert REFUSED in page
    assert "Genuine receipt" not in page


@pytest.mark.parametrize("language", ["nl", "fr", "de", "zh-hans"])
def test_the_refusal_is_in_the_pages_language(receipt, language):
    with translation.override(language):
        refused = translation.gettext(REFUSED)
    assert refused != REFUSED
    assert escape(refused) in check(NUMBER, full_width("FWGAVFDW"), language)
    assert f"{NUMBER}" in check("rey2wqfdts", full_width("FWGA VFDV"), language)


def test_the_normalisation_maps_only_full_width_ascii_and_drops_only_spaces_and_hyphens():
    assert typed_code(full_width(" fwga-VFDV ")) == "FWGAVFDV"
    assert typed_code("\u216b\u2460") == "\u216b\u2460"  # other compatibility forms are not read as letters or digits
    assert typed_code("\u0131") == "\u0131"  # nor is a non-ASCII letter upper-cased into an ASCII one
    assert typed_receipt_number("REY2WQFDTS") == typed_receipt_number("R-REY2WQFDTS") == NUMBER
    assert typed_receipt_number("RRVVVVVVVV") == "R-RRVVVVVVVV"  # a number that starts with R keeps it
