"""The usage chart on a line's page as a customer sees it: on a 390 px phone nothing scrolls sideways and
the numbers show as a table; on a desktop the charts stand side by side; the CSV downloads; axe finds
nothing wrong on either. Set
SIMRENEW_SCREENSHOTS=1 to keep screenshots."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page

from simrenew.charging.models import MB_BYTES
from tests.browser.axe import violations
from tests.charging.helpers import Session, create_rates, give_bundle, network_client
from tests.factories import create_brand, create_customer, create_line, link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots" / "usage"


@pytest.fixture
def customer_line():
    brand = create_brand(code="acme", name="Acme Mobile")
    create_rates(brand)
    line = create_line(brand, credit=1500)
    give_bundle(line, data_mb=4096, minutes=120, sms=50)
    customer = create_customer()
    link(customer, line)  # the customer sees use from when they linked the line
    client = network_client()
    for used in ({"data": 900 * MB_BYTES, "voice": 300, "sms": 3}, {"data": 250 * MB_BYTES, "roaming": 40 * MB_BYTES}):
        session = Session(client, line)
        session.start(**{name: units for name, units in used.items()})
        session.release(**used)
    return customer, line


def _open(browser: Browser, site: str, customer, line, width: int, height: int) -> Page:
    web = Client()
    web.force_login(customer)
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=width < 600, has_touch=True, bypass_csp=True
    )
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": web.cookies[settings.SESSION_COOKIE_NAME].value, "url": site}]
    )
    tab = context.new_page()
    response = tab.goto(f"{site}/en/account/lines/{line.pk}/")
    assert response is not None and response.status == 200
    return tab


def _shot(tab: Page, name: str) -> None:
    if os.environ.get("SIMRENEW_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=SCREENSHOTS / name, full_page=True)


def test_the_chart_fits_a_phone_and_shows_its_numbers(browser: Browser, site: str, customer_line) -> None:
    customer, line = customer_line
    tab = _open(browser, site, customer, line, 390, 844)
    _shot(tab, "en-390-line.png")
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    data = tab.get_by_role("img", name="Data: 1.2 GB used of 4.0 GB, 2.8 GB left")
    assert data.is_visible()
    assert data.bounding_box()["width"] <= 390
    table = tab.get_by_role("table", name="Data per day")
    assert table.is_visible()  # the numbers, as cards on a phone
    assert "1.2 GB" in table.inner_text() and "2.8 GB" in table.inner_text()
    assert tab.get_by_role("img", name="Calls: 5 min used of 120 min, 115 min left").is_visible()
    assert tab.get_by_role("heading", name="Usage history").is_visible()
    assert violations(tab, "line page with usage [en, 390px]") == []
    tab.context.close()


def test_on_a_desktop_the_charts_stand_side_by_side_and_the_csv_downloads(
    browser: Browser, site: str, customer_line
) -> None:
    customer, line = customer_line
    tab = _open(browser, site, customer, line, 1280, 900)
    _shot(tab, "en-1280-line.png")
    assert violations(tab, "line page with usage [en, 1280px]") == []
    assert tab.evaluate("document.documentElement.scrollWidth") <= 1280
    figures = tab.get_by_role("figure")
    assert figures.count() == 3  # data, calls, SMS
    boxes = [figures.nth(index).bounding_box() for index in range(3)]
    assert len({round(box["y"]) for box in boxes}) == 1  # one row
    # The tables are there for screen readers, not drawn: the box around each is one pixel.
    table = tab.get_by_role("table", name="Data per day")
    assert table.evaluate("t => t.parentElement.getBoundingClientRect().width") <= 1
    with tab.expect_download() as download:
        tab.get_by_role("link", name="Download as CSV").click()
    path = download.value.path()
    lines = Path(path).read_text().splitlines()
    assert download.value.suggested_filename == f"usage-{line.msisdn[1:]}.csv"
    assert len(lines) == 1 + 5  # the header, then data, calls, SMS and data, EU roaming
    tab.context.close()
