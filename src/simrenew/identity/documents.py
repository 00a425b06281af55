"""Checks on what a staff member types from an ID document: number formats, nationality, date of birth."""

import re
from datetime import date

from babel import Locale

from simrenew.identity.errors import (
    DocumentDoesNotMatchNationality,
    InvalidDateOfBirth,
    InvalidDocumentNumber,
    InvalidNationality,
)
from simrenew.identity.models import DocumentType
from simrenew.kit import crypto
from simrenew.kit.money import babel_locale
from simrenew.kit.parse import is_ascii_digits

# Countries whose national identity cards are valid travel documents in Belgium (EU, EEA, Switzerland).
EEA_AND_SWITZERLAND = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)
# Babel territory codes that are not countries a person holds the nationality of.
NOT_NATIONALITIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "AQ", "BV", "HM", "IO", "TF", "UM"})

_ALPHANUMERIC = re.compile(r"^[A-Z0-9]{5,20}$")


def document_lookup(document_type: str, number: str) -> str:
    """Keyed hash of a normalised document: equal documents, equal hashes; the number cannot be read back."""
    return crypto.lookup_hash(f"{document_type}:{number}", purpose="identity-document")


def normalize_document_number(document_type: str, raw: str) -> str:
    """The number as printed, without spaces, dots or dashes, upper case; InvalidDocumentNumber if not plausible.

    A Belgian eID card number has 12 digits (e.g. 591-1234567-25) whose last two are the first ten
    mod 97 (97 when that is 0); other documents vary by country: 5 to 20 letters and digits.
    """
    number = re.sub(r"[\s.\-/]", "", raw or "").upper()
    if document_type not in DocumentType.values:
        raise InvalidDocumentNumber()
    if document_type == DocumentType.BELGIAN_EID:
        if not (len(number) == 12 and is_ascii_digits(number)):
            raise InvalidDocumentNumber()
        check = int(number[:10]) % 97 or 97
        if int(number[10:]) != check:
            raise InvalidDocumentNumber()
        return number
    if not _ALPHANUMERIC.match(number):
        raise InvalidDocumentNumber()
    return number


def countries(language: str) -> list[tuple[str, str]]:
    """(ISO code, name in `language`) of every country, sorted by name."""
    territories = Locale.parse(babel_locale(language)).territories
    rows = [
        (code, name)
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_NATIONALITIES
    ]
    return sorted(rows, key=lambda row: row[1])


def country_name(code: str, language: str) -> str:
    """A country's name in `language` (the code itself if Babel does not know it)."""
    return Locale.parse(babel_locale(language)).territories.get(code, code)


def check_nationality(document_type: str, nationality: str) -> str:
    code = (nationality or "").strip().upper()
    if code not in {c for c, _ in countries("en")}:
        raise InvalidNationality()
    if document_type == DocumentType.BELGIAN_EID and code != "BE":
        raise DocumentDoesNotMatchNationality()
    if document_type == DocumentType.RESIDENCE_CARD and code == "BE":
        raise DocumentDoesNotMatchNationality()
    if document_type == DocumentType.EU_ID_CARD and (code not in EEA_AND_SWITZERLAND or code == "BE"):
        raise DocumentDoesNotMatchNationality()
    return code


def check_date_of_birth(born: date, *, today: date) -> date:
    if born >= today or born.year < today.year - 120:
        raise InvalidDateOfBirth()
    return born
