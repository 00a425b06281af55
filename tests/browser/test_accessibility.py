"""axe-core finds no accessibility violation, of any impact, on any page type: every customer page (on a
desktop in German and on a phone in Chinese, menu open), the staff pages (back office, staff sign-in
steps, shop desk, point of sale) and every kiosk screen, each met on the way a person goes through it."""

import re
from base64 import b32encode

import pyotp
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from simrenew.kiosks import devices
from simrenew.kiosks.models import Kiosk
from simrenew.kit.money import format_money
from simrenew.lines.models import IdentityStatus, Line
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.promotions.models import Promotion
from simrenew.staff import demo as demo_authenticator
from simrenew.staff.roles import MARKETING
from tests.browser.axe import violations
from tests.browser.customer_pages import CUSTOMER, build, log_in
from tests.factories import DEFAULT_PASSWORD, create_brand, create_bundle, create_line, create_topup_product
from tests.retail.factories import create_cashier, create_outlet, create_retailer, set_rate
from tests.staff.factories import add_authenticator, create_staff_user, staff_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tr(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def exact(text: str) -> re.Pattern[str]:
    return re.compile("^" + r"\s*".join(re.escape(part) for part in text.split()) + "$")


def _context(browser: Browser, width: int = 1280, height: int = 900) -> BrowserContext:
    # axe is injected as a script: the test's context lets it past the Content-Security-Policy.
    return browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)


def _report(found: list[str]) -> str:
    return f"{len(found)} accessibility violations:\n" + "\n".join(found)


def test_every_customer_page_has_no_violations(browser: Browser, site: str) -> None:
    data = build(site)
    found: list[str] = []
    for language, (width, height) in (("de", (1280, 900)), ("zh-hans", (390, 844))):
        for who in ("guest", CUSTOMER):
            context = _context(browser, width, height)
            if who == CUSTOMER:
                log_in(context, site, data)
            tab = context.new_page()
            for page in (p for p in data.pages if p.who == who):
                tab.goto(f"{site}/{language}{page.path}")
                toggle = tab.locator("header details.menu-toggle > summary")
                if toggle.count() and toggle.is_visible():
                    toggle.click()  # the open menu is checked too
                found += violations(tab, f"{page.label} [{language}, {width}px] {page.path}")
            context.close()
    assert not found, _report(found)


def _session_cookie(context: BrowserContext, site: str, client: Client) -> None:
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": value, "url": site}])


def test_the_back_office_and_staff_sign_in_pages_have_no_violations(browser: Browser, site: str) -> None:
    call_command("demo_data", lines=8)
    promotion = Promotion.objects.order_by("pk").first()
    assert promotion is not None
    found: list[str] = []
    lang = "en"

    # A marketer past the second factor: the back office.
    marketer = create_staff_user(MARKETING, email="marketer@simrenew.example")
    context = _context(browser)
    _session_cookie(context, site, staff_session(marketer))
    tab = context.new_page()
    for path in ("/backoffice/", "/backoffice/promotions/", f"/backoffice/promotions/{promotion.pk}/"):
        response = tab.goto(f"{site}/{lang}{path}")
        assert response is not None and response.status == 200, path
        found += violations(tab, f"back office {path}")
    context.close()

    # A login without an authenticator app: the enrolment page; with one, the code page.
    for who, heading in (("new", "Set up your authenticator app"), ("enrolled", "Enter your code")):
        user = create_staff_user(MARKETING, email=f"{who}.marketer@simrenew.example")
        if who == "enrolled":
            add_authenticator(user)
        context = _context(browser)
        tab = context.new_page()
        tab.goto(f"{site}/{lang}/admin/login/?next=/{lang}/backoffice/")
        tab.get_by_label(re.compile("e-mail address", re.IGNORECASE)).fill(user.email)
        tab.get_by_label(re.compile("password", re.IGNORECASE)).fill(DEFAULT_PASSWORD)
        tab.get_by_role("button", name=re.compile("log in", re.IGNORECASE)).click()
        expect(tab.get_by_role("heading", name=heading)).to_be_visible()
        found += violations(tab, f"staff sign-in: {heading}")
        context.close()
    assert not found, _report(found)


def test_the_shop_desk_pages_have_no_violations(browser: Browser, site: str) -> None:
    lang = "nl"
    call_command("demo_data", lines=8)
    call_command("demo_offline")
    line = Line.objects.filter(brand__code="orange").order_by("msisdn").first()
    assert line is not None
    Line.objects.filter(pk=line.pk).update(identity_status=IdentityStatus.UNIDENTIFIED)
    bundle = line.brand.products.filter(kind="bundle").order_by("position").first()
    assert bundle is not None and bundle.price_amount is not None
    found: list[str] = []
    context = _context(browser)
    tab = context.new_page()

    tab.goto(f"{site}/{lang}/shop/")
    found += violations(tab, "shop: login")
    tab.get_by_label(tr(lang, "Staff e-mail address")).fill("assistant@shop.simrenew.example")
    tab.get_by_label(tr(lang, "Password")).fill("Shop-Assistant-2026")
    tab.get_by_role("button", name=tr(lang, "Log in")).click()
    found += violations(tab, "shop: find a line")
    tab.get_by_label(tr(lang, "Mobile number")).fill(line.display)
    tab.get_by_role("button", name=tr(lang, "Find")).click()
    expect(tab.get_by_role("heading", name=line.display)).to_be_visible()
    found += violations(tab, "shop: line")
    for step in ("identify", "topup", "renew"):
        tab.goto(f"{site}/{lang}/shop/lines/{line.pk}/{step}/")
        found += violations(tab, f"shop: {step}")
    tab.get_by_label(bundle.name_in(lang)).check()
    tab.get_by_label(tr(lang, "Cash (into the till)")).check()
    tab.get_by_role("button", name=tr(lang, "See the price")).click()
    found += violations(tab, "shop: renew with its price")
    take = tr(lang, "Take %(total)s in cash") % {"total": format_money(bundle.price_amount, "EUR", lang)}
    tab.get_by_role("button", name=exact(take)).click()
    expect(tab.get_by_text(tr(lang, "Paid and done. The bundle or credit is on the line."))).to_be_visible()
    found += violations(tab, "shop: sale")
    tab.get_by_role("link", name=tr(lang, "Print receipt")).click()
    found += violations(tab, "shop: receipt")
    tab.goto(f"{site}/{lang}/shop/till/")
    found += violations(tab, "shop: till")
    context.close()

    # The shop's manager also sees the audit log.
    context = _context(browser)
    tab = context.new_page()
    tab.goto(f"{site}/{lang}/shop/login/")
    tab.get_by_label(tr(lang, "Staff e-mail address")).fill("manager@shop.simrenew.example")
    tab.get_by_label(tr(lang, "Password")).fill("Shop-Manager-2026")
    tab.get_by_role("button", name=tr(lang, "Log in")).click()
    # Managers confirm with their authenticator app (the demo's key).
    tab.get_by_label(tr(lang, "Code"), exact=True).fill(pyotp.TOTP(b32encode(demo_authenticator.KEY).decode()).now())
    tab.get_by_role("button", name=tr(lang, "Verify")).click()
    expect(tab.get_by_label(tr(lang, "Mobile number"))).to_be_visible()
    response = tab.goto(f"{site}/{lang}/shop/audit/")
    assert response is not None and response.status == 200, "the shop manager cannot open the audit log"
    found += violations(tab, "shop: audit log")
    context.close()
    assert not found, _report(found)


def test_the_point_of_sale_pages_have_no_violations(browser: Browser, site: str) -> None:
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand)
    create_bundle(brand, code="base-15", price_amount=1500)
    retailer = create_retailer(float_amount=50_000, name="Carrefour")
    set_rate(retailer, brand, 300)
    outlet = create_outlet(retailer, name="Bruxelles Midi")
    cashier = create_cashier(outlet, email="kassa@carrefour.example")
    line = create_line(brand)
    found: list[str] = []
    context = _context(browser)
    tab = context.new_page()

    tab.goto(f"{site}/en/pos/")
    found += violations(tab, "pos: login")
    tab.get_by_label("E-mail address").fill(cashier.email)
    tab.get_by_label("Password").fill(DEFAULT_PASSWORD)
    tab.get_by_label("Password").press("Enter")
    number = tab.get_by_label("Customer's mobile number")
    expect(number).to_be_focused()
    found += violations(tab, "pos: new sale")
    number.fill(line.display)
    number.press("Enter")
    expect(tab.get_by_role("heading", name=re.compile("BASE"))).to_be_visible()
    found += violations(tab, "pos: choose")
    tab.get_by_role("radio", name=format_money(1500, "EUR", "en"), exact=True).check()
    tab.get_by_role("button", name="Continue").click()
    expect(tab.get_by_role("heading", name="Confirm the sale")).to_be_visible()
    found += violations(tab, "pos: confirm")
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("article", name="Receipt")).to_be_visible()
    found += violations(tab, "pos: receipt")
    for path in ("pin/", "settlement/"):
        tab.goto(f"{site}/en/pos/{path}")
        found += violations(tab, f"pos: {path}")
    context.close()
    assert not found, _report(found)


def _keypad(tab: Page, digits: str) -> None:
    for digit in digits:
        tab.get_by_role("group").get_by_role("button", name=digit, exact=True).click()


def test_every_kiosk_screen_has_no_violations(browser: Browser, site: str) -> None:
    lang = "fr"
    call_command("demo_data", lines=8)
    call_command("demo_offline")
    kiosk = "bru-airport"
    line = Line.objects.filter(brand__code="base").order_by("msisdn").first()
    assert line is not None
    national = "0" + line.msisdn.removeprefix("+32")
    base = f"{site}/{lang}/kiosk/{kiosk}/"
    found: list[str] = []
    context = _context(browser, 1080, 1920)
    tab = context.new_page()

    # Not yet in service, then enrolled by the installer.
    tab.goto(base)
    found += violations(tab, "kiosk: not in service")
    _code, plain = devices.issue_enrolment_code(kiosk=Kiosk.objects.get(code=kiosk))
    tab.goto(base + "enrol/")
    found += violations(tab, "kiosk: enrol")
    tab.get_by_label(tr(lang, "Enrolment code")).fill(plain)
    tab.get_by_role("button", name=tr(lang, "Enrol this screen")).click()
    expect(tab).to_have_url(re.compile(f"/kiosk/{kiosk}/$"))
    found += violations(tab, "kiosk: start")
    tab.get_by_role("button", name=tr(lang, "Larger text")).click()
    found += violations(tab, "kiosk: start, larger text")
    tab.get_by_role("button", name=tr(lang, "Larger text")).click()

    # Balance: number, the code from the SMS, the balance.
    tab.get_by_role("link", name=tr(lang, "Check my balance")).click()
    found += violations(tab, "kiosk: number")
    _keypad(tab, national)
    tab.get_by_role("button", name=tr(lang, "Send the code")).click()
    found += violations(tab, "kiosk: balance code")
    sms = OutboxMessage.objects.filter(kind=OutboxKind.SMS, recipient=line.msisdn).latest("id")
    code = re.search(r"\b(\d{6})\b", sms.body)
    assert code is not None
    _keypad(tab, code.group(1))
    tab.get_by_role("button", name=tr(lang, "Show my balance")).click()
    expect(tab.get_by_role("heading", name=tr(lang, "Your balance"))).to_be_visible()
    found += violations(tab, "kiosk: balance")

    # Top up: the choice of payment, the card terminal.
    tab.goto(base + "number/topup/")
    _keypad(tab, national)
    tab.get_by_role("button", name=tr(lang, "Continue")).click()
    found += violations(tab, "kiosk: top up")
    tab.locator("a.kiosk-button").first.click()
    found += violations(tab, "kiosk: card")

    # Renew: the bundles, one chosen, paid in cash; done; the receipt.
    tab.goto(base + "number/renew/")
    _keypad(tab, national)
    tab.get_by_role("button", name=tr(lang, "Continue")).click()
    found += violations(tab, "kiosk: renew")
    tab.locator("a.kiosk-button.product").first.click()
    found += violations(tab, "kiosk: renew, bundle chosen")
    tab.get_by_role("button", name=re.compile(re.escape(tr(lang, "Pay in cash")))).first.click()
    found += violations(tab, "kiosk: cash")
    tab.locator("button").filter(has_text=re.compile("50")).first.click()
    finish = tab.locator("button[name=finish]")
    finish.click()
    found += violations(tab, "kiosk: done")
    tab.get_by_role("link", name=tr(lang, "Print receipt")).first.click()
    found += violations(tab, "kiosk: receipt")

    # Voucher, and a screen for a step that no longer exists.
    tab.goto(base + "number/voucher/")
    _keypad(tab, national)
    tab.get_by_role("button", name=tr(lang, "Continue")).click()
    found += violations(tab, "kiosk: voucher")
    tab.goto(base + "balance/no-such-check/")
    expect(tab.get_by_role("alert")).to_be_visible()
    found += violations(tab, "kiosk: error")
    context.close()
    assert not found, _report(found)
