"""kit.parse: ASCII digits only, bounded, and text a database can store."""

import pytest
from django.utils import translation

from simrenew.kit import parse
from simrenew.kit.errors import DomainError

OTHER_DIGITS = ["²", "①", "٣", "\uff13", "۳", "߃", "\U0001d7d1"]  # superscript, circled, Arabic-Indic, fullwidth, …


@pytest.mark.parametrize("digit", OTHER_DIGITS)
def test_other_scripts_digits_are_not_digits_here(digit):
    # str.isdigit() says yes to all of them; int() reads some as another number and fails on others
    assert digit.isdigit()
    assert not parse.is_ascii_digits(digit)
    assert not parse.is_ascii_digits("12" + digit)
    with pytest.raises(parse.NotDigits):
        parse.digits("0470 12 34 5" + digit)
    assert parse.whole_number_or_none(digit, minimum=0, maximum=10) is None


def test_digits_drops_the_separators_asked_for_and_any_kind_of_space():
    assert parse.digits(" 0470\u00a012 34-56 ", separators=" -") == "0470123456"
    assert parse.digits("1234-5678-9012-345", separators=" -.", min_length=13, max_length=15) == "123456789012345"
    with pytest.raises(parse.NotDigits):
        parse.digits("0470-12", separators=" ")  # a dash was not allowed here


@pytest.mark.parametrize("typed", ["", "   ", None, 123, "12345", "1" * 200, "\u200f123456", "12\x003456"])
def test_digits_refuses_what_is_empty_too_long_or_not_digits(typed):
    with pytest.raises(parse.NotDigits):
        parse.digits(typed, min_length=6, max_length=6)


def test_digits_raises_the_callers_error():
    class PinMistyped(DomainError):
        code = "pin_mistyped"

    with pytest.raises(PinMistyped):
        parse.digits("٣" * 15, min_length=13, max_length=15, error=PinMistyped)


def test_whole_number_is_ascii_in_range_and_says_the_range_in_the_users_language():
    assert parse.whole_number(" 42 ", minimum=1, maximum=100) == 42
    for typed in ["-1", "+1", "1.0", "1e3", "٤٢", "4 2", "", "9" * 30]:
        with pytest.raises((parse.NotAWholeNumber, parse.NumberOutOfRange)):
            parse.whole_number(typed, minimum=1, maximum=100)
    with pytest.raises(parse.NumberOutOfRange) as error, translation.override("fr"):
        parse.whole_number("101", minimum=1, maximum=100)
    with translation.override("fr"):
        assert str(error.value) == "Saisissez un nombre de 1 à 100."
    assert parse.whole_number_or_none("101", minimum=1, maximum=100) is None


def test_a_number_too_long_for_the_range_says_the_range_not_that_it_is_no_number():
    for typed in ["9" * 20, "1" + "0" * 5000]:
        with pytest.raises(parse.NumberOutOfRange):
            parse.whole_number(typed, minimum=0, maximum=10000)
    assert parse.whole_number("000042", minimum=0, maximum=100) == 42  # leading zeros are no extra digits


@pytest.mark.parametrize(
    ("text", "storable"),
    [("plain", True), ("٣ and 中文", True), ("nul\x00", False), ("\ud800", False), ("ok\udfffok", False)],
)
def test_storable_text_has_no_nul_and_no_lone_surrogate(text, storable):
    assert parse.is_storable_text(text) is storable
    if not storable:
        with pytest.raises(parse.UnreadableText):
            parse.storable_text(text)


def test_unstorable_text_is_found_anywhere_in_parsed_json():
    assert not parse.has_unstorable_text({"a": ["b", {"c": 1, "d": None}], "e": 2.5})
    assert parse.has_unstorable_text({"a": ["b", {"c": "x\x00"}]})
    assert parse.has_unstorable_text({"\ud800": 1})
    deep: object = "ok"
    for _ in range(100):
        deep = [deep]
    assert parse.has_unstorable_text(deep)  # nesting no client sends is refused too
