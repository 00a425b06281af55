"""IBAN parsing: ISO 13616 mod-97, each country's length, ASCII only."""

import pytest
from django.core.exceptions import ValidationError

from simrenew.kit.iban import InvalidIban, format_iban, mask_iban, mod97, parse_iban, validate_iban


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("BE68 5390 0754 7034", "BE68539007547034"),
        ("be68539007547034", "BE68539007547034"),
        (" BE68-5390-0754-7034 ", "BE68539007547034"),
        ("NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"),
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),
        ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
        ("LU28 0019 4006 4475 0000", "LU280019400644750000"),
    ],
)
def test_valid_ibans_are_stored_without_spaces_in_upper_case(typed, stored):
    assert parse_iban(typed) == stored
    assert mod97(stored) == 1


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "BE68539007547035",  # one digit off: mod-97 fails
        "BE6853900754703",  # Belgium is 16 long
        "BE685390075470344",
        "BE86539007547034",  # check digits swapped
        "XX68539007547034",  # no such country
        "NL91ABNA041716430",  # the Netherlands is 18 long
        "BE68 5390 0754 703\u0664",  # an Arabic-Indic four
        "\uff22\uff25\uff16\uff18539007547034",  # full-width letters and digits
        "BE68_5390_0754_7034",
        "BE68.5390.0754.7034",
        None,
        12345,
    ],
)
def test_anything_else_is_refused(typed):
    with pytest.raises(InvalidIban):
        parse_iban(typed)


def test_display_and_mask():
    assert format_iban("BE68539007547034") == "BE68 5390 0754 7034"
    assert mask_iban("BE68539007547034") == "BE•• … 7034"


def test_the_validator_speaks_the_fields_language():
    validate_iban("BE68539007547034")
    with pytest.raises(ValidationError) as refused:
        validate_iban("BE00539007547034")
    assert refused.value.code == "invalid_iban"
