"""Units the network counts (bytes, seconds, SMS) as people read them, in the active language: the
account pages, the shop desk, the kiosk and the phone's own menus all say what is left the same way."""

from babel.numbers import format_decimal
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from simrenew.charging.queries import KIND_UNITS
from simrenew.kit.money import babel_locale


def number(value: float, digits: int = 1, *, fixed: bool = False) -> str:
    """`value` in the active language's digits; `fixed` keeps a trailing zero (7,0 beside 7,4)."""
    pattern = "#,##0" + ("." + ("0" if fixed else "#") * digits if digits else "")
    return format_decimal(round(value, digits), format=pattern, locale=babel_locale(get_language() or "en"))


def quantity(kind: str, units: int | None) -> str:
    """Usage units (bytes, seconds, SMS) as people read them: GB or MB (always with one decimal, so that a
    column reads 7,0 GB beside 7,4 GB and 2,0 MB beside 40,6 MB), minutes, SMS; None: Unlimited."""
    if units is None:
        return _("Unlimited")
    if kind == "data":
        megabytes = units / KIND_UNITS["data"]
        if round(megabytes, 1) >= 1024:  # 1 023,96 MB reads 1,0 GB, not 1 024,0 MB
            return _("%(count)s GB") % {"count": number(megabytes / 1024, fixed=True)}
        return _("%(count)s MB") % {"count": number(megabytes, fixed=True)}
    if kind == "voice":
        return _("%(count)s min") % {"count": number(units / 60)}
    return ngettext("%(count)s SMS", "%(count)s SMS", units) % {"count": units}


def left_texts(left: dict[str, int | None]) -> dict[str, str]:
    """What is left of each allowance (charging.queries.allowances_left) as people read it."""
    return {kind: quantity(kind, units) for kind, units in left.items()}
