"""kit.money: integer cents, VAT arithmetic and locale-aware formatting."""

from decimal import Decimal

import pytest

from simrenew.kit.money import Money, babel_locale, format_money, percent_of, vat_included

NBSP = "\xa0"
NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("gross", "vat"),
    [
        (1500, 260),  # net 1239.67 -> 1240
        (1000, 174),  # net 826.45 -> 826
        (0, 0),
        (121, 21),  # exactly 100 net
        (1, 0),  # net 0.83 -> 1
        (64, 11),  # net 52.89 -> 53
        (2500, 434),  # net 2066.12 -> 2066
    ],
)
def test_vat_included_is_the_vat_part_of_a_vat_inclusive_amount(gross, vat):
    assert vat_included(gross) == vat


def test_vat_included_rounds_the_net_amount_half_up():
    # 6.05 gross at 10 %: net 5.5 exactly -> rounds up to 6, so VAT is 0
    assert vat_included(605, rate_bp=1000) == 55
    assert vat_included(1155, rate_bp=1000) == 105  # net 1050 exactly


def test_percent_of_rounds_half_up():
    assert percent_of(1500, 190) == 29  # 28.5
    assert percent_of(1000, 190) == 19
    assert percent_of(0, 190) == 0
    assert percent_of(12345, 0) == 0


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "€1,234.56"),
        ("nl", f"€{NBSP}1.234,56"),
        ("fr", f"1{NNBSP}234,56{NBSP}€"),
        ("de", f"1.234,56{NBSP}€"),
        ("zh-hans", "€1,234.56"),
    ],
)
def test_format_money_uses_each_languages_separators(language, expected):
    assert format_money(123456, "EUR", language) == expected
    assert Money(123456).format(language) == expected


def test_format_money_decimal_separator_per_language():
    assert "." in format_money(150, "EUR", "en").split("1")[-1]
    for language in ("nl", "fr", "de"):
        assert "1,50" in format_money(150, "EUR", language)


def test_unknown_language_falls_back_to_irish_english():
    assert babel_locale("xx") == "en_IE"
    assert format_money(150, "EUR", "xx") == "€1.50"


def test_money_arithmetic():
    assert Money(1500) + Money(64) == Money(1564)
    assert Money(1500) - Money(1600) == Money(-100)
    assert -Money(250) == Money(-250)
    assert Money.zero() == Money(0, "EUR")
    assert not Money.zero()
    assert Money(1)
    assert Money(100) < Money(101)
    assert Money(1234).decimal == Decimal("12.34")
    assert str(Money(1234)) == "12.34 EUR"


def test_money_from_decimal_rounds_half_up_to_cents():
    assert Money.from_decimal("12.345") == Money(1235)
    assert Money.from_decimal(Decimal("0.004")) == Money(0)
    assert Money.from_decimal("10", "USD") == Money(1000, "USD")


def test_money_refuses_mixed_currencies():
    with pytest.raises(ValueError, match="currency mismatch: EUR and USD"):
        Money(100) + Money(100, "USD")
    with pytest.raises(ValueError, match="currency mismatch: USD and EUR"):
        Money(100, "USD") - Money(100)


@pytest.mark.parametrize("amount", [1.5, Decimal("1.5"), "150", True])
def test_money_amount_must_be_integer_cents(amount):
    with pytest.raises(TypeError, match="integer cents"):
        Money(amount)  # type: ignore[arg-type]
