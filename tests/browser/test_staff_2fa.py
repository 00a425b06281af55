"""Staff second factor in a real browser: the administrator types the code an authenticator app
shows (computed with pyotp from the demo key) and reaches the back office; a login without its
second factor is kept out until it enrols an app."""

import re
from base64 import b32encode

import pyotp
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from simrenew.promotions.models import Promotion
from simrenew.staff import demo
from simrenew.staff.roles import MARKETING
from tests.staff.factories import create_staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Marketing-Browser-2026"


def password_login(page: Page, site: str, email: str, password: str, next_url: str = "/en/backoffice/") -> None:
    page.goto(f"{site}/en/admin/login/?next={next_url}")
    page.get_by_label(re.compile("e-mail address", re.IGNORECASE)).fill(email)
    page.get_by_label(re.compile("password", re.IGNORECASE)).fill(password)
    page.get_by_role("button", name=re.compile("log in", re.IGNORECASE)).click()


def test_an_administrator_enters_the_apps_code_and_reaches_the_back_office(page: Page, site: str) -> None:
    call_command("demo_data", lines=8)  # admin@simrenew.example with the demo authenticator
    password_login(page, site, "admin@simrenew.example", "Admin-Demo-2026")

    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.goto(f"{site}/en/admin/")  # the admin, too, waits for the code
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()

    authenticator = pyotp.TOTP(b32encode(demo.KEY).decode())  # the phone's app, with the demo key
    page.get_by_label("Code", exact=True).fill(authenticator.now())
    page.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("link", name="simrenew back office")).to_be_visible()  # the admin's header
    page.goto(f"{site}/en/backoffice/")
    expect(page.get_by_role("heading", name="Back office")).to_be_visible()
    expect(page.get_by_text("Your roles: Administrator")).to_be_visible()
    page.locator("#main").get_by_role("link", name="Promotions").click()  # the page's, not the menu's
    expect(page.get_by_role("heading", name="Promotions")).to_be_visible()


def test_a_login_without_its_second_factor_is_kept_out_until_it_enrols(page: Page, site: str) -> None:
    call_command("demo_data", lines=8)
    marketing = create_staff_user(MARKETING, email="new.marketer@simrenew.example", password=PASSWORD)
    promotion = Promotion.objects.order_by("pk").first()
    assert promotion is not None
    password_login(page, site, marketing.email, PASSWORD)

    # Refused: the password alone opens no staff page; each one leads back to the enrolment.
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    for path in ("/en/admin/", f"/en/backoffice/promotions/{promotion.pk}/", "/en/backoffice/promotions/"):
        page.goto(site + path)
        expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.locator("figure.qr svg")).to_be_visible()

    # The person adds the key to their app and types the code it shows.
    key = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Confirm").click()

    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("heading", name="Promotions")).to_be_visible()
