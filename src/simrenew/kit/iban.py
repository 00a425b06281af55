"""IBANs (ISO 13616): parsing with the mod-97 check and each country's length, and display.

Typed with or without spaces (as printed: "BE68 5390 0754 7034") in upper or lower case; stored
without spaces in upper case ("BE68539007547034"). ASCII letters and digits only: an IBAN typed
with another script's digits is refused, never converted.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError

# The IBAN length of every country in the SWIFT IBAN registry (the SEPA countries and the others).
LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
    "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", re.ASCII)
_SEPARATORS = " -"


class InvalidIban(DomainError):
    code = "invalid_iban"
    default_message = _("This is not a valid IBAN (such as BE68 5390 0754 7034).")


def mod97(iban: str) -> int:
    """The ISO 7064 mod-97 remainder of an IBAN (1 for a valid one): the first four characters moved
    to the end, letters read as 10..35."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97


def parse_iban(raw: object) -> str:
    """ "BE68539007547034" for a valid IBAN typed with or without spaces, in any case; InvalidIban else."""
    if not isinstance(raw, str) or not raw.isascii():
        raise InvalidIban()
    text = raw.strip().upper()
    for separator in _SEPARATORS:
        text = text.replace(separator, "")
    if not _SHAPE.fullmatch(text) or LENGTHS.get(text[:2]) != len(text) or mod97(text) != 1:
        raise InvalidIban()
    return text


def format_iban(stored: str) -> str:
    """ "BE68539007547034" → "BE68 5390 0754 7034", in groups of four as printed on bank cards."""
    return " ".join(stored[i : i + 4] for i in range(0, len(stored), 4))


def mask_iban(stored: str) -> str:
    """The country and the last four characters only: "BE•• … 7034"."""
    return f"{stored[:2]}•• … {stored[-4:]}"


def validate_iban(value: str) -> None:
    """A model and form field validator; blank values are left to the field's `blank`."""
    try:
        parse_iban(value)
    except InvalidIban as error:
        raise ValidationError(str(error), code=InvalidIban.code) from error
