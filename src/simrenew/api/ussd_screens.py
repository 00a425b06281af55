"""How much a USSD screen may say, and making a screen fit.

A USSD page carries 160 bytes. Menus in zh-Hans go as UCS-2: 80 characters (UTF-16 code units). The
other four languages go in the GSM 7-bit alphabet: 182 characters, where the extension characters
(€ [ ] { } ^ ~ | \\) take two; their letters outside that alphabet (ê, ç, ë, a curly quote) are folded to the
nearest GSM letter (e, c, e, '), so one accent never halves a French or Dutch screen. A screen that is
still too long shortens the product name in it, or goes on over several screens ("0 More"); as a
last resort (never with the catalogue's texts) it is cut at the limit, and the cut is logged.
"""

import logging
import unicodedata
from collections.abc import Callable

log = logging.getLogger(__name__)

GSM_LIMIT = 182
UCS2_LIMIT = 80
# A name is never shortened below this (a screen with less is cut instead, and logged).
NAME_MIN_WIDTH = 6

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
# Typographic marks translations use, spelled in GSM.
_GSM_SPELLING = {
    "\u2019": "'",
    "\u2018": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "\u2013": "-",
    "—": "-",
    "…": "...",
    "\xa0": " ",
    "\u202f": " ",
    "\u2009": " ",
}


def uses_ucs2(language: str) -> bool:
    return language.lower().startswith("zh")


def limit(language: str) -> int:
    return UCS2_LIMIT if uses_ucs2(language) else GSM_LIMIT


def fold(text: str, language: str) -> str:
    """`text` as the gateway will send it in `language` (see the module docstring)."""
    if uses_ucs2(language):
        return text
    return "".join(_gsm_char(char) for char in text)


def _gsm_char(char: str) -> str:
    if char in GSM_BASIC or char in GSM_EXTENSION:
        return char
    if char in _GSM_SPELLING:
        return _GSM_SPELLING[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and all(c in GSM_BASIC for c in base) else "?"


def length(text: str, language: str) -> int:
    """Characters as the screen counts them: UTF-16 units in UCS-2, septets in GSM 7-bit."""
    if uses_ucs2(language):
        return len(text.encode("utf-16-le")) // 2
    return sum(2 if char in GSM_EXTENSION else 1 for char in text)


def fits(text: str, language: str) -> bool:
    return length(text, language) <= limit(language)


def shorten(name: str, width: int, language: str = "en") -> str:
    """`name` in at most `width` characters, marked as cut ("…", or "." in GSM, which lacks it)."""
    if len(name) <= width:
        return name
    return name[: max(width - 1, 0)].rstrip() + ("…" if uses_ucs2(language) else ".")


def fit(render: Callable[[str], str], name: str, language: str) -> str:
    """`render(name)` folded for `language`, with `name` shortened as far as needed to fit a screen."""
    for width in range(len(name), min(len(name), NAME_MIN_WIDTH) - 1, -1):
        text = fold(render(shorten(name, width, language)), language)
        if fits(text, language):
            return text
    return cut(fold(render(shorten(name, NAME_MIN_WIDTH, language)), language), language)


def paginate(rows: list[str], more: str, language: str) -> list[str]:
    """`rows` packed in order into as few screens as fit, each but the last ending with `more`."""
    folded, more = [fold(row, language) for row in rows], fold(more, language)
    pages: list[list[str]] = [[]]
    for row in folded:
        if pages[-1] and not fits("\n".join([*pages[-1], row, more]), language):
            pages.append([])
        pages[-1].append(row)
    last = len(pages) - 1
    return [cut("\n".join([*page, *([more] if number < last else [])]), language) for number, page in enumerate(pages)]


def cut(text: str, language: str) -> str:
    """The longest start of `text` that fits: a last resort, logged (screens are written to fit)."""
    if fits(text, language):
        return text
    log.warning("USSD screen cut to %s characters (%s): %r", limit(language), language, text)
    while not fits(text, language):
        text = text[:-1]
    return text
