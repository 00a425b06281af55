"""Text colours that stay readable on a brand's or a kiosk's own colour (WCAG 2 contrast)."""

import re

from django import template

register = template.Library()

DARK = "#111111"
LIGHT = "#ffffff"
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    match = _HEX.match(colour.strip())
    if match is None:
        raise ValueError(colour)
    channels = [int(match.group(1)[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@register.filter
def ink_on(background: str) -> str:
    """White or near-black, whichever contrasts more with `background`; white for a colour not #rrggbb."""
    try:
        return LIGHT if contrast(LIGHT, background) >= contrast(DARK, background) else DARK
    except ValueError:
        return LIGHT
