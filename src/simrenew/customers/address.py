"""A customer's postal address, as they type it: street and number, postcode, city and country.

It is optional, and whole or absent: a street without a city is no address. A Belgian postcode is
four ASCII digits (1000 to 9992); other countries' postcodes are letters, digits, spaces and hyphens.
"""

from dataclasses import dataclass

from babel import Locale
from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError
from simrenew.kit.parse import OtherDigits, has_other_digits, is_ascii_digits

BELGIUM = "BE"
STREET_MAX = 200
CITY_MAX = 80
POSTCODE_MAX = 10
POSTCODE_CHARACTERS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -")


class IncompleteAddress(DomainError):
    code = "incomplete_address"
    default_message = _("Give the street, the postcode and the city, or leave all three empty.")


class NotABelgianPostcode(DomainError):
    code = "postcode"
    default_message = _("A Belgian postcode is four digits, for example 1000.")


class NotAPostcode(DomainError):
    code = "postcode"
    default_message = _("A postcode has only letters, digits, spaces and hyphens.")


class UnknownCountry(DomainError):
    code = "country"
    default_message = _("Choose a country from the list.")


@dataclass(frozen=True)
class Address:
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""

    @property
    def given(self) -> bool:
        return bool(self.street)

    def lines(self) -> list[str]:
        """The address as it is written on an envelope (country by its code; empty: no address)."""
        if not self.given:
            return []
        return [self.street, f"{self.postcode} {self.city}", self.country]


# Babel's territories that are no country (groupings and private-use codes).
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


def country_codes() -> frozenset[str]:
    names = Locale.parse("en").territories
    codes = (str(code) for code in names)
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


def countries(language: str) -> list[tuple[str, str]]:
    """(ISO 3166 code, name in `language`) for every country, Belgium first, then by name."""
    english = Locale.parse("en").territories
    names = Locale.parse(language.replace("-", "_"), sep="_").territories
    found = sorted(((code, str(names.get(code, english[code]))) for code in country_codes()), key=lambda item: item[1])
    return [item for item in found if item[0] == BELGIUM] + [item for item in found if item[0] != BELGIUM]


def country_name(code: str, language: str) -> str:
    return dict(countries(language)).get(code, code)


def parse_address(*, street: str, postcode: str, city: str, country: str) -> Address:
    """The address from what was typed, whole or empty; DomainError (with the field) otherwise."""
    street, postcode, city = " ".join(street.split()), " ".join(postcode.split()).upper(), " ".join(city.split())
    country = (country or BELGIUM).strip().upper()
    if not (street or postcode or city):
        return Address()
    for field, value in (("street", street), ("postcode", postcode), ("city", city)):
        if not value:
            raise IncompleteAddress(field=field)
    if country not in country_codes():
        raise UnknownCountry(field="country")
    if has_other_digits(postcode):
        raise OtherDigits(field="postcode")
    if country == BELGIUM:
        if not (len(postcode) == 4 and is_ascii_digits(postcode) and postcode[0] != "0"):
            raise NotABelgianPostcode(field="postcode")
    elif len(postcode) > POSTCODE_MAX or not set(postcode) <= POSTCODE_CHARACTERS:
        raise NotAPostcode(field="postcode")
    return Address(street=street[:STREET_MAX], postcode=postcode, city=city[:CITY_MAX], country=country)
