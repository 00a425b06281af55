"""Template filters: money and allowances in the active language."""

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from simrenew.kit.money import format_money

register = template.Library()


@register.filter
def money(amount: int | None, currency: str = "EUR") -> str:
    if amount is None:
        return ""
    return format_money(int(amount), currency or "EUR", get_language() or "en")


@register.filter
def data_mb(value: int | None) -> str:
    if value is None:
        return _("Unlimited")
    if value >= 1024 and value % 1024 == 0:
        return _("%(count)s GB") % {"count": value // 1024}
    if value >= 1024:
        return _("%(count)s GB") % {"count": f"{value / 1024:.1f}"}
    return _("%(count)s MB") % {"count": value}


@register.filter
def allowance(value: int | None) -> str:
    return _("Unlimited") if value is None else str(value)
