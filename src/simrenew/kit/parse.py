"""Strict parsing of what people and machines type: ASCII digits only, no NUL, bounded lengths.

`str.isdigit()` is true for '²', '①' and '٣', and `int()` reads Arabic-Indic and fullwidth digits
but fails on '²': input parsed with them either crashes a page or is read as another number than
the one shown. Amounts, PINs, codes, document numbers and numeric query parameters go through
these functions instead. Text for the database must carry no NUL (PostgreSQL refuses it) and no
lone surrogate (not encodable as UTF-8; JSON can carry one as "\\ud800").
"""

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError

ASCII_DIGITS = frozenset("0123456789")
MAX_ID = 2**63 - 1  # the largest primary key (BigAutoField): a larger one is no id, not an overflow
# Euros typed by a person: up to 9 digits, and a comma or a point before one or two digits of cents.
_EUROS = re.compile(r"([0-9]{1,9})(?:[.,]([0-9]{1,2}))?", re.ASCII)


class NotDigits(DomainError):
    code = "not_digits"
    default_message = _("Type only the digits 0 to 9.")


class NotAWholeNumber(DomainError):
    code = "not_a_whole_number"
    default_message = _("Type a whole number with the digits 0 to 9.")


class NumberOutOfRange(DomainError):
    code = "number_out_of_range"
    default_message = _("Type a number from %(minimum)s to %(maximum)s.")


class OtherDigits(DomainError):
    code = "other_digits"
    default_message = _(
        "Type it with the ordinary digits 0 to 9: these are digits of another kind (such as full-width)."
    )


class UnreadableText(DomainError):
    code = "unreadable_text"
    default_message = _("This contains characters that cannot be used here, such as a null character.")


def euro_cents(text: str) -> int | None:
    """'12', '12,5', '12.50', '€ 12,50' → cents; None for anything else (letters, a minus sign, a
    thousands separator, digits of other scripts). Whether the amount is in range is the caller's."""
    found = _EUROS.fullmatch(text.strip().removeprefix("€").removesuffix("€").strip())
    if found is None:
        return None
    euros, cents = found.group(1), (found.group(2) or "0").ljust(2, "0")
    return int(euros) * 100 + int(cents)


def has_other_digits(text: object) -> bool:
    """True when `text` has a digit that is not one of 0-9 (a full-width three, '٣', '²'): it was typed with another
    keyboard's digits, which deserves its own message rather than "not a number"."""
    return isinstance(text, str) and any(char.isdigit() and not char.isascii() for char in text)


def is_ascii_digits(text: object) -> bool:
    """True for a non-empty string of the digits 0-9 only (not '²', '①', nor Arabic-Indic or fullwidth digits)."""
    return isinstance(text, str) and text != "" and text.isascii() and text.isdigit()


def digits(
    raw: object,
    *,
    separators: str = " ",
    min_length: int = 1,
    max_length: int = 64,
    error: type[DomainError] = NotDigits,
) -> str:
    """The ASCII digits of `raw` once `separators` (a space: any kind of space) are dropped,
    `min_length` to `max_length` of them; `error` for anything else (a letter, another script's
    digit, a symbol)."""
    text = raw.strip() if isinstance(raw, str) else ""
    if len(text) > 2 * max_length + 8:  # bounded work on hostile input
        raise error()
    if " " in separators:  # a no-break or thin space pasted along with the digits is a space too
        text = "".join(text.split())
    kept = text.translate({ord(char): None for char in separators})
    if not is_ascii_digits(kept) or not min_length <= len(kept) <= max_length:
        raise error()
    return kept


def whole_number(raw: object, *, minimum: int, maximum: int) -> int:
    """An integer typed with ASCII digits (no sign, no spaces inside) between minimum and maximum."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not is_ascii_digits(text):
        raise NotAWholeNumber()
    # More digits than the maximum has is out of range, not "not a number" (and never converted: an
    # int() of thousands of digits is work a form should not do).
    if len(text.lstrip("0")) > len(str(maximum)):
        raise NumberOutOfRange(minimum=minimum, maximum=maximum)
    value = int(text)
    if not minimum <= value <= maximum:
        raise NumberOutOfRange(minimum=minimum, maximum=maximum)
    return value


def whole_number_or_none(raw: object, *, minimum: int, maximum: int) -> int | None:
    """As whole_number, but None for anything that is not one (an optional query parameter)."""
    try:
        return whole_number(raw, minimum=minimum, maximum=maximum)
    except DomainError:
        return None


def is_storable_text(text: str) -> bool:
    """No NUL and no lone surrogate: the text can be stored in PostgreSQL and SQLite."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable_text(text: str) -> str:
    """`text` itself, or UnreadableText if a database could not store it."""
    if not is_storable_text(text):
        raise UnreadableText()
    return text


def has_unstorable_text(value: Any, *, depth: int = 0) -> bool:
    """True if any string in a parsed JSON value (keys included) could not be stored."""
    if depth > 64:
        return True  # nesting no client of ours sends
    if isinstance(value, str):
        return not is_storable_text(value)
    if isinstance(value, dict):
        return any(
            has_unstorable_text(key, depth=depth + 1) or has_unstorable_text(item, depth=depth + 1)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return any(has_unstorable_text(item, depth=depth + 1) for item in value)
    return False
