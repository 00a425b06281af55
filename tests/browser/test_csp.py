"""In Chromium, under the Content-Security-Policy: no page of any audience is refused anything, htmx still
updates the quote, the language switcher and the print buttons work, and the API docs render."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from simrenew.kit.money import format_money
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import Receipt
from tests.factories import create_bundle, create_customer, create_line, create_order, create_topup_product, link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def refused(page: Page) -> list[str]:
    """What the browser refused under the policy (Chromium reports each refusal on the console)."""
    found: list[str] = []
    page.on(
        "console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None
    )
    # Also what a console message could miss (e.g. a refusal inside the outbox's srcdoc frame).
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI), true)"
    )
    return found


def _log_in(page: Page, site: str, customer) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(customer)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site}])


def test_htmx_quotes_and_the_language_switcher_work_under_the_policy(page: Page, site: str, refused) -> None:
    # given a customer with a line whose brand sells top-ups
    customer = create_customer()
    line = create_line(credit=500)
    link(customer, line)
    create_topup_product(line.brand)
    _log_in(page, site, customer)
    # when they choose an amount and a method on the top-up page (no "See the price" click)
    page.goto(f"{site}/en/topup/?number={line.msisdn}")
    page.get_by_label(format_money(1500, "EUR", "en"), exact=True).check()
    page.get_by_label("Bancontact").check()
    # then htmx has fetched the quote into the page
    expect(page.get_by_role("button", name=re.compile(r"^Pay "))).to_be_visible()
    # and the language switcher (page.js, no inline handler) takes them to the Dutch page
    page.get_by_label("Language").select_option("nl")
    expect(page).to_have_url(re.compile(r"/nl/topup/"))
    assert refused == []


def test_the_printable_receipt_prints(page: Page, site: str, refused) -> None:
    customer = create_customer()
    line = create_line(credit=3000)
    link(customer, line)
    create_order(line=line, product=create_bundle(line.brand), method="credit", customer=customer)
    receipt = Receipt.objects.get()
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    page.goto(f"{site}/en/receipts/{receipt.number}/?code={receipt.verification_code}")
    page.get_by_role("link", name="Print", exact=True).click()
    assert page.evaluate("window.printed") == 1
    assert refused == []


def test_the_api_docs_render_swagger_ui(page: Page, site: str, refused) -> None:
    page.goto(f"{site}/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("simrenew API")
    assert refused == []


def test_an_e_mail_in_the_dev_outbox_shows_with_its_inline_styles(page: Page, site: str, refused) -> None:
    # E-mails are styled with attributes (mail clients ignore <style>); the outbox shows them in a
    # sandboxed frame that inherits the page's policy, which allows style attributes on purpose.
    message = OutboxMessage.objects.create(
        kind=OutboxKind.EMAIL,
        recipient="jan@acme-mobile.be",
        subject="Your receipt",
        body="Thank you",
        html_body='<html><body style="font-family: sans-serif"><p style="color:#555">Thank you</p></body></html>',
    )
    page.goto(f"{site}/en/dev/outbox/{message.pk}/")
    expect(page.frame_locator("iframe.mail").get_by_text("Thank you")).to_have_css("color", "rgb(85, 85, 85)")
    assert refused == []


@pytest.mark.parametrize(
    "path", ["/zh-hans/", "/en/login/", "/en/shop/login/", "/en/pos/login/", "/en/admin/login/", "/sandbox/mollie/"]
)
def test_audience_pages_are_refused_nothing(page: Page, site: str, refused, path: str) -> None:
    page.goto(site + path)
    expect(page.locator("body")).to_be_visible()
    assert refused == []
