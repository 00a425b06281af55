"""Where a long word may wrap: an e-mail address on a phone breaks after its @ and before its dots, not
in the middle of a name."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_AFTER_AT_BEFORE_DOTS = re.compile(r"(?<=@)|(?=\.)")


@register.filter
def email_breaks(address: str) -> SafeString:
    """`address`, escaped, with a line-break opportunity (<wbr>) after the @ and before each dot."""
    parts = _AFTER_AT_BEFORE_DOTS.split(str(address))
    return mark_safe("<wbr>".join(escape(part) for part in parts))  # noqa: S308 - every part is escaped
