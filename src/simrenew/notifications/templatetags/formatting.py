"""Template filters: money and allowances in the active language."""

from functools import lru_cache

from babel.numbers import format_decimal
from django import template
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from simrenew.kit.money import babel_locale, format_money

register = template.Library()


@register.filter
def money(amount: int | None, currency: str = "EUR") -> str:
    if amount is None:
        return ""
    return _money(int(amount), currency or "EUR", get_language() or "en")


@register.filter
def money_off(amount: int | None, currency: str = "EUR") -> str:
    """An amount taken off (a discount, a void) as a negative amount, written the language's way (€ -2,00
    in Dutch, -€2.00 in English); nothing taken off is 0.00, without a minus."""
    if amount is None:
        return ""
    return money(-int(amount) if amount else 0, currency)


@lru_cache(maxsize=4096)
def _money(amount: int, currency: str, language: str) -> str:
    """format_money, remembered: a page shows the same few prices and balances many times over, and
    formatting one with the locale's pattern costs more than the rest of its row."""
    return format_money(amount, currency, language)


@register.filter
def data_mb(value: int | None) -> str:
    if value is None:
        return _("Unlimited")
    if value >= 1024 and value % 1024 == 0:
        return _("%(count)s GB") % {"count": value // 1024}
    if value >= 1024:
        size = format_decimal(round(value / 1024, 1), format="#,##0.#", locale=babel_locale(get_language() or "en"))
        return _("%(count)s GB") % {"count": size}
    return _("%(count)s MB") % {"count": value}


@register.filter
def allowance(value: int | None) -> str:
    return _("Unlimited") if value is None else str(value)


@register.filter
def minutes(value: int | None) -> str:
    """A bundle's voice allowance as a phrase: "120 min" or "unlimited calls"."""
    return _("unlimited calls") if value is None else _("%(count)s min") % {"count": value}


@register.filter
def sms(value: int | None) -> str:
    if value is None:
        return _("unlimited SMS")
    return ngettext("%(count)s SMS", "%(count)s SMS", value) % {"count": value}
