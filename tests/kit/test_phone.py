"""kit.phone: Belgian mobile numbers (MSISDN) and SIM serial numbers (ICCID)."""

import pytest

from simrenew.kit.phone import (
    InvalidIccid,
    InvalidMsisdn,
    format_msisdn,
    luhn_check_digit,
    luhn_valid,
    mask_msisdn,
    normalize_iccid,
    normalize_msisdn,
)


@pytest.mark.parametrize(
    "typed",
    [
        "0470 12 34 56",
        "+32470123456",
        "0032 470 12 34 56",
        "0470/12.34.56",
        "0470123456",
        "+32 470 12 34 56",
        "  0470 12 34 56  ",
        "0470\u00a012\u00a034\u00a056",  # no-break spaces, pasted from a web page
    ],
)
def test_normalize_msisdn_accepts_the_usual_ways_of_typing_a_belgian_mobile_number(typed):
    # given a Belgian mobile number typed in one of the usual ways
    # when it is normalised
    result = normalize_msisdn(typed)
    # then it is the E.164 form
    assert result == "+32470123456"


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("02 123 45 67", id="brussels-landline"),
        pytest.param("+3221234567", id="landline-e164"),
        pytest.param("+33 6 12 34 56 78", id="french-mobile"),
        pytest.param("0033 6 12 34 56 78", id="french-mobile-00"),
        pytest.param("0470 12 34", id="too-short"),
        pytest.param("0470 12 34 56 78", id="too-long"),
        pytest.param("0470 AB CD EF", id="letters"),
        pytest.param("0470ABCDEF", id="vanity-letters"),
        pytest.param("+32 470 12 34 5x", id="trailing-letter"),
        pytest.param("047O123456", id="letter-o-for-zero"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("0" * 40, id="absurdly-long"),
        pytest.param("\u200f0470123456", id="rtl-mark"),
        pytest.param("0470\x00123456", id="nul"),
    ],
)
def test_normalize_msisdn_refuses_what_is_not_a_belgian_mobile_number(typed):
    # given something that is not a Belgian mobile number
    # when it is normalised
    with pytest.raises(InvalidMsisdn) as error:
        normalize_msisdn(typed)
    # then the error tells how to type one, with a 400
    assert str(error.value) == ("This is not a Belgian mobile number. Type it like 0470 12 34 56 or +32 470 12 34 56.")
    assert error.value.status == 400
    assert error.value.code == "invalid_msisdn"


def other_script(ascii_text: str, zero: int = 0xFF10) -> str:
    """The digits of `ascii_text` as another script's (full-width by default), spaces kept."""
    return ascii_text.translate({ord(d): zero + int(d) for d in "0123456789"})


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("٠٤٧٠١٢٣٤٥٦", id="arabic-indic-digits"),
        pytest.param(other_script("0472 00 00 01"), id="fullwidth-digits"),
        pytest.param("0470 12 34 5\uff16", id="a-fullwidth-digit"),
        pytest.param("0470 12 34 5²", id="superscript"),
    ],
)
def test_a_number_typed_with_other_digits_is_refused_saying_which_digits_to_use(typed):
    """A Chinese or Japanese keyboard types full-width digits: the number may be right, so the error
    says to use the digits 0 to 9, not that it is no Belgian mobile number."""
    with pytest.raises(InvalidMsisdn) as error:
        normalize_msisdn(typed)
    assert str(error.value) == (
        "Type the number with the ordinary digits 0 to 9: these are digits of another kind (such as full-width)."
    )
    assert error.value.code == "invalid_msisdn"


def test_normalize_msisdn_refuses_none():
    with pytest.raises(InvalidMsisdn):
        normalize_msisdn(None)  # type: ignore[arg-type]


def test_format_and_mask_msisdn():
    assert format_msisdn("+32470123456") == "0470 12 34 56"
    assert mask_msisdn("+32470123456") == "0470 •• •• 56"


def test_luhn_check_digit_makes_a_valid_number():
    # given the well-known Luhn example payload 7992739871
    # when its check digit is computed
    digit = luhn_check_digit("7992739871")
    # then it is 3, and only that digit validates
    assert digit == "3"
    assert luhn_valid("79927398713") is True
    assert [d for d in "0123456789" if luhn_valid("7992739871" + d)] == ["3"]


def _iccid(payload: str) -> str:
    return payload + luhn_check_digit(payload)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param("893210000000000001", id="19-digits"),
        pytest.param("8932100000000000012", id="20-digits"),
    ],
)
def test_normalize_iccid_accepts_belgian_luhn_valid_serials(payload):
    # given a Belgian ICCID with a right check digit, typed with spaces
    iccid = _iccid(payload)
    typed = " ".join(iccid[i : i + 4] for i in range(0, len(iccid), 4))
    # when it is normalised
    # then the digits come back without spaces
    assert normalize_iccid(typed) == iccid


def _bad_luhn() -> str:
    good = _iccid("893210000000000001")
    wrong_digit = str((int(good[-1]) + 1) % 10)
    return good[:-1] + wrong_digit


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(_bad_luhn(), id="bad-luhn"),
        pytest.param(_iccid("893310000000000001"), id="french-country-code"),
        pytest.param(_iccid("883210000000000001"), id="not-telecom"),
        pytest.param(_iccid("89321000000000001"), id="18-digits"),
        pytest.param(_iccid("89321000000000000123"), id="21-digits"),
        pytest.param("8932 1000 0000 0000 0A1", id="letters"),
        pytest.param("", id="empty"),
    ],
)
def test_normalize_iccid_refuses_invalid_serials(typed):
    with pytest.raises(InvalidIccid) as error:
        normalize_iccid(typed)
    assert str(error.value) == "This is not a valid Belgian SIM card number (ICCID)."
    assert error.value.code == "invalid_iccid"
