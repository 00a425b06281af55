"""Belgian structured payment reference (OGM/VCS): +++123/4567/89012+++ with a mod-97 check."""

from django.utils.translation import gettext_lazy as _

from simrenew.kit import parse
from simrenew.kit.errors import DomainError


class InvalidStructuredReference(DomainError):
    code = "invalid_structured_reference"
    default_message = _("This is not a valid structured reference (+++123/4567/89012+++).")


def check_digits(base: int) -> int:
    remainder = base % 97
    return 97 if remainder == 0 else remainder


def make_structured_reference(number: int) -> str:
    """Build the reference for a ten-digit base number (0 ≤ number < 10¹⁰)."""
    if not 0 <= number < 10**10:
        raise ValueError("structured references carry a ten-digit base")
    digits = f"{number:010d}{check_digits(number):02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def parse_structured_reference(raw: str) -> str:
    """Return the 12 digits of a valid reference typed with or without +++, / or spaces."""
    digits = parse.digits(raw, separators=" +*/", min_length=12, max_length=12, error=InvalidStructuredReference)
    if int(digits[10:]) != check_digits(int(digits[:10])):
        raise InvalidStructuredReference()
    return digits
