"""kit.structured_reference: the Belgian structured payment reference (+++123/4567/89012+++)."""

import pytest

from simrenew.kit.structured_reference import (
    InvalidStructuredReference,
    check_digits,
    make_structured_reference,
    parse_structured_reference,
)


def test_make_known_example():
    # given the base number 0108068171 (108068171 % 97 == 83)
    # when its reference is made
    # then the check digits are 83
    assert make_structured_reference(108068171) == "+++010/8068/17183+++"


def test_parse_known_example_in_every_usual_form():
    for typed in ("+++010/8068/17183+++", "010/8068/17183", "010806817183", "***010/8068/17183***", " 010 8068 17183 "):
        assert parse_structured_reference(typed) == "010806817183"


def test_check_digits_are_97_when_the_base_is_a_multiple_of_97():
    # given bases whose remainder mod 97 is zero
    # then the check digits are 97, never 00
    assert check_digits(97) == 97
    assert check_digits(0) == 97
    assert make_structured_reference(97) == "+++000/0000/09797+++"
    assert make_structured_reference(97 * 103_092_783) == "+++999/9999/95197+++"
    assert parse_structured_reference("+++000/0000/09797+++") == "000000009797"


def test_a_remainder_of_zero_written_as_00_is_refused():
    with pytest.raises(InvalidStructuredReference):
        parse_structured_reference("+++000/0000/09700+++")


@pytest.mark.parametrize("number", [0, 1, 96, 97, 98, 108068171, 1234567890, 9_999_999_999])
def test_make_then_parse_round_trip(number):
    reference = make_structured_reference(number)
    digits = parse_structured_reference(reference)
    assert int(digits[:10]) == number
    assert int(digits[10:]) == check_digits(number)
    assert reference == f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


@pytest.mark.parametrize("number", [-1, 10**10])
def test_make_refuses_a_base_outside_ten_digits(number):
    with pytest.raises(ValueError, match="ten-digit base"):
        make_structured_reference(number)


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("+++010/8068/17184+++", id="wrong-check-digits"),
        pytest.param("+++010/8068/1718+++", id="eleven-digits"),
        pytest.param("+++010/8068/171833+++", id="thirteen-digits"),
        pytest.param("+++010-8068-17183+++", id="dashes"),
        pytest.param("+++O10/8068/17183+++", id="letter"),
        pytest.param("", id="empty"),
        pytest.param(None, id="none"),
    ],
)
def test_parse_refuses_invalid_references(typed):
    with pytest.raises(InvalidStructuredReference) as error:
        parse_structured_reference(typed)
    assert str(error.value) == "This is not a valid structured reference (+++123/4567/89012+++)."
