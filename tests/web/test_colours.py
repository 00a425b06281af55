"""Text on a brand's or a kiosk's colour: white or near-black, whichever reads (WCAG 2 contrast)."""

import pytest

from simrenew.web.templatetags.colours import DARK, LIGHT, contrast, ink_on


@pytest.mark.parametrize(
    ("background", "ink"),
    [("#00855f", LIGHT), ("#ff7900", DARK), ("#1a1a1a", LIGHT), ("#ffc421", DARK), ("#5c2d91", LIGHT), ("bad", LIGHT)],
)
def test_text_on_a_brand_colour_is_the_more_readable_of_white_and_black(background: str, ink: str) -> None:
    assert ink_on(background) == ink
    if background != "bad":
        assert contrast(ink, background) >= 4.5
