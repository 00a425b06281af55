"""kit.vat_number: Belgian VAT numbers, their mod-97 check, storage and display."""

import pytest
from django.core.exceptions import ValidationError

from simrenew.kit.vat_number import (
    InvalidVatNumber,
    check_digits,
    format_vat_number,
    parse_vat_number,
    validate_vat_number,
)

# The operators' public VAT numbers (BCE/KBO): Proximus, Telenet (and BASE), Orange Belgium.
KNOWN = ["BE0202239951", "BE0473416418", "BE0456810810"]


@pytest.mark.parametrize("number", KNOWN)
def test_known_numbers_are_valid(number):
    assert parse_vat_number(number) == number
    assert check_digits(int(number[2:10])) == int(number[10:])


def test_every_usual_way_of_typing_one():
    for typed in (
        "BE 0202.239.951",
        "be0202239951",
        "0202.239.951",
        "0202 239 951",
        "BE-0202-239-951",
        " BE0202239951 ",
    ):
        assert parse_vat_number(typed) == "BE0202239951"


def test_display_groups_the_digits():
    assert format_vat_number("BE0202239951") == "BE 0202.239.951"
    assert format_vat_number("not a number") == "not a number"


@pytest.mark.parametrize(
    "typed",
    [
        "BE0202239952",  # wrong check digits
        "BE2202239951",  # an enterprise number starts with 0 or 1
        "BE020223995",  # nine digits
        "BE02022399511",  # eleven digits
        "NL0202239951",  # another country
        "BE" + "".join(chr(0xFF10 + int(d)) for d in "0202239951"),  # fullwidth digits: they look alike
        "BE0202239\u066951",  # an Arabic-Indic nine
        "",
        None,
        "BE 0202/239/951",
    ],
)
def test_bad_numbers_are_refused(typed):
    with pytest.raises(InvalidVatNumber):
        parse_vat_number(typed)


def test_model_validator_explains():
    validate_vat_number("BE 0202.239.951")
    with pytest.raises(ValidationError) as refused:
        validate_vat_number("BE0202239952")
    assert refused.value.messages == ["This is not a valid Belgian VAT number (BE 0123.456.749)."]
