"""A customer's postal address: whole or empty, a Belgian postcode of four ASCII digits."""

import pytest

from simrenew.customers.address import (
    Address,
    IncompleteAddress,
    NotABelgianPostcode,
    NotAPostcode,
    UnknownCountry,
    countries,
    parse_address,
)
from simrenew.kit.parse import OtherDigits


def test_a_belgian_address_is_tidied():
    address = parse_address(street="  Rue  Neuve 12 ", postcode=" 1000", city="bruxelles ", country="be")
    assert address == Address(street="Rue Neuve 12", postcode="1000", city="bruxelles", country="BE")
    assert address.lines() == ["Rue Neuve 12", "1000 bruxelles", "BE"]


def test_no_address_at_all_is_fine():
    assert parse_address(street="", postcode=" ", city="", country="BE") == Address()
    assert not Address().given


@pytest.mark.parametrize(
    ("street", "postcode", "city", "field"),
    [("Meir 1", "", "", "postcode"), ("", "2000", "Antwerpen", "street"), ("Meir 1", "2000", "", "city")],
)
def test_a_partial_address_is_refused_at_the_missing_field(street, postcode, city, field):
    with pytest.raises(IncompleteAddress) as refused:
        parse_address(street=street, postcode=postcode, city=city, country="BE")
    assert refused.value.field == field


@pytest.mark.parametrize("postcode", ["100", "10000", "0999", "1O00", "10 0"])
def test_a_belgian_postcode_is_four_ascii_digits(postcode):
    with pytest.raises(NotABelgianPostcode):
        parse_address(street="Meir 1", postcode=postcode, city="Antwerpen", country="BE")


@pytest.mark.parametrize("country", ["BE", "NL"])
@pytest.mark.parametrize("postcode", ["\uff11\uff10\uff11\uff12", "\u0661\u0660\u0661\u0662"])
def test_a_postcode_of_other_digits_is_refused_saying_which_digits_to_use(postcode, country):
    with pytest.raises(OtherDigits) as refused:
        parse_address(street="Meir 1", postcode=postcode, city="Antwerpen", country=country)
    assert refused.value.field == "postcode"


def test_other_countries_postcodes_follow_their_own_form():
    dutch = parse_address(street="Damrak 1", postcode="1012 lg", city="Amsterdam", country="NL")
    assert dutch.postcode == "1012 LG"
    assert parse_address(street="Rue de Rivoli 1", postcode="75001", city="Paris", country="FR").country == "FR"
    with pytest.raises(NotAPostcode):
        parse_address(street="Damrak 1", postcode="1012<LG>", city="Amsterdam", country="NL")


def test_an_unknown_country_is_refused():
    with pytest.raises(UnknownCountry):
        parse_address(street="Meir 1", postcode="2000", city="Antwerpen", country="XX")
    with pytest.raises(UnknownCountry):
        parse_address(street="Meir 1", postcode="2000", city="Antwerpen", country="EU")


@pytest.mark.parametrize(("language", "belgium"), [("en", "Belgium"), ("nl", "België"), ("zh-hans", "比利时")])
def test_countries_are_named_in_the_language_with_belgium_first(language, belgium):
    listed = countries(language)
    assert listed[0] == ("BE", belgium)
    assert len(listed) > 200
    assert len({code for code, _name in listed}) == len(listed)
