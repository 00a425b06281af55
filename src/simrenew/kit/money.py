"""Money as integer cents with a currency, VAT arithmetic and locale-aware formatting (Babel)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, get_decimal_symbol

VAT_RATE_BP = 2100  # Belgian VAT on telecom services: 21 %, in basis points


@dataclass(frozen=True, order=True)
class Money:
    amount: int  # cents
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money amounts are integer cents")

    @classmethod
    def zero(cls, currency: str = "EUR") -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, value: Decimal | str, currency: str = "EUR") -> Money:
        cents = (Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return cls(int(cents), currency)

    def _check(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"currency mismatch: {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __bool__(self) -> bool:
        return self.amount != 0

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount) / 100

    def format(self, locale: str = "en") -> str:
        return format_money(self.amount, self.currency, locale)

    def __str__(self) -> str:
        return f"{self.decimal:.2f} {self.currency}"


def babel_locale(language: str) -> str:
    """Map a Django language code to a Babel locale, with Belgian conventions where they differ."""
    return {
        "zh-hans": "zh_Hans_CN",
        "en": "en_IE",
        "nl": "nl_BE",
        "fr": "fr_BE",
        "de": "de_BE",
    }.get(language.lower(), "en_IE")


def format_money(amount: int, currency: str = "EUR", language: str = "en") -> str:
    return format_currency(Decimal(amount) / 100, currency, locale=babel_locale(language))


def decimal_mark(language: str = "en") -> str:
    """The mark `language` writes between euros and cents: "." or ","."""
    return str(get_decimal_symbol(babel_locale(language)))


def plain_amount(amount: int, mark: str = ".") -> str:
    """An amount with `mark` before the cents and nothing else (1250.50 or 1250,50): what a person
    types, and what a spreadsheet reads as a number."""
    return f"{Decimal(amount) / 100:.2f}".replace(".", mark)


def typed_amount(amount: int, language: str = "en") -> str:
    """An amount as a person types it into a form in `language`: 1250.50 or 1250,50 (the language's
    decimal mark; no currency sign, no thousands separator), as a form field's starting value."""
    return plain_amount(amount, decimal_mark(language))


def vat_included(gross_amount: int, rate_bp: int = VAT_RATE_BP) -> int:
    """The VAT part of a VAT-inclusive amount in cents, rounded half up on the net amount."""
    net = (Decimal(gross_amount) * 10000 / (10000 + rate_bp)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return gross_amount - int(net)


def percent_of(amount: int, basis_points: int) -> int:
    """`basis_points` / 100 % of `amount`, rounded half up to whole cents."""
    value = (Decimal(amount) * basis_points / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(value)
