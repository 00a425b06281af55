"""Belgian mobile numbers (MSISDN) and SIM serial numbers (ICCID)."""

import phonenumbers
from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError
from simrenew.kit.parse import digits, has_other_digits, is_ascii_digits

# What people type around the digits of a phone number; anything else (a letter, '²', another script's digit, an
# RTL mark) is refused rather than guessed at: phonenumbers would read fullwidth and Arabic-Indic
# digits, and letters as a keypad's (0470 AB CD EF -> 0470 22 23 33): another person's number.
MSISDN_CHARACTERS = frozenset("0123456789 +-./()")


class InvalidMsisdn(DomainError):
    code = "invalid_msisdn"
    default_message = _("This is not a Belgian mobile number. Type it like 0470 12 34 56 or +32 470 12 34 56.")


class MsisdnOtherDigits(InvalidMsisdn):
    """The number typed with digits of another kind (full-width from a Chinese or Japanese keyboard):
    the number may be right, the digits are not read."""

    default_message = _(
        "Type the number with the ordinary digits 0 to 9: these are digits of another kind (such as full-width)."
    )


class InvalidIccid(DomainError):
    code = "invalid_iccid"
    default_message = _("This is not a valid Belgian SIM card number (ICCID).")


def normalize_msisdn(raw: str) -> str:
    """Return the E.164 form (+32470123456) of a Belgian mobile number typed in any usual way."""
    # Any kind of space (a no-break space pasted from a web page) separates digits like a space.
    text = " ".join(raw.split()) if isinstance(raw, str) else ""
    if has_other_digits(text) and len(text) <= 32:
        raise MsisdnOtherDigits()
    if not text or len(text) > 32 or not set(text) <= MSISDN_CHARACTERS:
        raise InvalidMsisdn()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "BE")
    except phonenumbers.NumberParseException as exc:
        raise InvalidMsisdn() from exc
    if (
        number.country_code != 32
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise InvalidMsisdn()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_msisdn(e164: str) -> str:
    """National display form: 0470 12 34 56."""
    digits = "0" + e164.removeprefix("+32")
    return f"{digits[:4]} {digits[4:6]} {digits[6:8]} {digits[8:]}"


def mask_msisdn(e164: str) -> str:
    """Masked for receipts, e-mails and kiosks: 0470 •• •• 56."""
    digits = "0" + e164.removeprefix("+32")
    return f"{digits[:4]} •• •• {digits[-2:]}"


def luhn_valid(number: str) -> bool:
    """The Luhn check of a string of ASCII digits (False for anything else)."""
    if not is_ascii_digits(number):
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    for digit in "0123456789":
        if luhn_valid(payload + digit):
            return digit
    raise AssertionError("unreachable")


def normalize_iccid(raw: str) -> str:
    """A Belgian ICCID: 89 (telecom) 32 (Belgium), 19 or 20 digits, Luhn check digit."""
    number = digits(raw, min_length=19, max_length=20, error=InvalidIccid)
    if not number.startswith("8932") or not luhn_valid(number):
        raise InvalidIccid()
    return number
