"""Customer service refunds part of an order from the back office on a phone, and the sandbox's tester
page shows the refund; both pages fit 390 px without scrolling sideways."""

import os

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Browser, expect

from simrenew.staff.roles import CUSTOMER_SERVICE
from tests.refunds.factories import paid_through_sandbox
from tests.sandbox.helpers import TEST_KEY
from tests.staff.factories import create_staff_user, staff_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# Set to a directory to keep the screenshots (for looking at the pages).
SCREENSHOTS = os.environ.get("SIMRENEW_SCREENSHOTS", "")


def fits(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_customer_service_refunds_part_of_an_order_on_a_phone(browser: Browser, site: str, settings) -> None:
    settings.MOLLIE_API_KEY = TEST_KEY
    order = paid_through_sandbox(site, amount=2000)
    agent = staff_session(create_staff_user(CUSTOMER_SERVICE))
    context = browser.new_context(viewport=PHONE)
    cookie = agent.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site}])
    page = context.new_page()

    page.goto(f"{site}/en/backoffice/orders/{order.number}/")
    expect(page.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
    expect(page.get_by_label("Amount to refund (€)")).to_have_value("20.00")
    page.get_by_label("Amount to refund (€)").fill("7.50")
    page.get_by_label("Reason").fill("Topped up more than they meant to")
    page.get_by_role("button", name="Make the refund").click()

    expect(page.get_by_text("Refund of €7.50 recorded")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Topped up more than they meant to")
    expect(row).to_contain_text("Refunded")  # the sandbox settled it and its webhook told us
    expect(page.get_by_label("Amount to refund (€)")).to_have_value("12.50")
    assert fits(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/backoffice-order-phone.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=f"{SCREENSHOTS}/backoffice-order-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)

    page.goto(f"{site}/sandbox/mollie/")
    expect(page.get_by_role("row").filter(has_text="Refund:")).to_contain_text("refunded")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/sandbox-phone.png", full_page=True)
    context.close()
