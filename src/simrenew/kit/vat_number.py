"""Belgian VAT numbers (BE + the ten-digit enterprise number): parsing, the mod-97 check, display.

The enterprise number is ten digits starting with 0 or 1; its last two digits are 97 minus the
first eight modulo 97. Printed as "BE 0202.239.951", stored as "BE0202239951".
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from simrenew.kit import parse
from simrenew.kit.errors import DomainError


class InvalidVatNumber(DomainError):
    code = "invalid_vat_number"
    default_message = _("This is not a valid Belgian VAT number (BE 0123.456.749).")


def check_digits(base: int) -> int:
    """The two check digits of an enterprise number's first eight digits."""
    return 97 - base % 97


def parse_vat_number(raw: object) -> str:
    """ "BE0202239951" for a valid number typed with or without BE, spaces, dots or dashes."""
    text = raw.strip() if isinstance(raw, str) else ""
    if text[:2].upper() == "BE":
        text = text[2:]
    digits = parse.digits(text, separators=" .-", min_length=10, max_length=10, error=InvalidVatNumber)
    if digits[0] not in "01" or int(digits[8:]) != check_digits(int(digits[:8])):
        raise InvalidVatNumber()
    return f"BE{digits}"


def format_vat_number(stored: str) -> str:
    """ "BE0202239951" → "BE 0202.239.951"; a value that is not a valid number is shown as it is."""
    try:
        digits = parse_vat_number(stored)[2:]
    except InvalidVatNumber:
        return stored
    return f"BE {digits[:4]}.{digits[4:7]}.{digits[7:]}"


def validate_vat_number(value: str) -> None:
    """A model and form field validator; blank values are left to the field's `blank`."""
    try:
        parse_vat_number(value)
    except InvalidVatNumber as error:
        raise ValidationError(str(error), code=InvalidVatNumber.code) from error
