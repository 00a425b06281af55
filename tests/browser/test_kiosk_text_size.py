"""At a kiosk, a customer can make the text larger on any screen (and pinch to zoom): the choice stays
with them from screen to screen, and the next customer, after the idle reset, starts with the usual size."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page, expect

from simrenew.kiosks import devices
from simrenew.kiosks.models import Kiosk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"


def font_size(page: Page, selector: str) -> float:
    return float(page.evaluate(f"parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)"))


def test_larger_text_lasts_until_the_kiosk_resets_for_the_next_customer(page: Page, site: str) -> None:
    call_command("demo_offline")
    kiosk = "gent-sint-pieters"
    _code, plain = devices.issue_enrolment_code(kiosk=Kiosk.objects.get(code=kiosk))
    page.goto(f"{site}/en/kiosk/{kiosk}/enrol/")
    page.get_by_label("Enrolment code").fill(plain)
    page.get_by_role("button", name="Enrol this screen").click()
    page.goto(f"{site}/en/kiosk/{kiosk}/")

    # The screen may be zoomed: nothing in the viewport forbids it.
    viewport = page.locator("meta[name=viewport]").get_attribute("content") or ""
    assert "user-scalable" not in viewport and "maximum-scale" not in viewport

    # Larger text on the start screen.
    button = page.get_by_role("button", name="Larger text")
    expect(button).to_have_attribute("aria-pressed", "false")
    usual = font_size(page, "h1")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    assert font_size(page, "h1") >= usual * 1.25
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "kiosk-start-larger-text.png", full_page=True)

    # It stays on the next screen.
    page.clock.install()
    page.get_by_role("link", name="Top up credit").click()
    expect(page).to_have_url(re.compile("/number/topup/$"))
    expect(page.get_by_role("button", name="Larger text")).to_have_attribute("aria-pressed", "true")
    assert font_size(page, "h1") >= usual * 1.25

    # The customer walks away: after the idle reset the start screen is back to the usual size.
    page.clock.fast_forward("01:01")
    expect(page).to_have_url(re.compile(f"/kiosk/{kiosk}/$"))  # in the kiosk's own language (Dutch)
    expect(page.locator("button[data-large-text]")).to_have_attribute("aria-pressed", "false")
    assert font_size(page, "h1") == usual
