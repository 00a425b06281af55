"""A shop assistant logs into the shop desk, identifies a line's holder from an ID document and
renews their bundle paid in cash, in a real browser."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import Page, expect

from simrenew.identity.models import Identification
from simrenew.kit.money import format_money
from simrenew.ledger import service as ledger
from simrenew.ledger.models import AccountKind
from simrenew.lines.models import IdentityStatus, Line
from simrenew.shops.models import Shop, ShopSale

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"


def tr(language: str, message: str) -> str:
    """The message as the page shows it in `language` (still English until the catalogue has it)."""
    with translation.override(language):
        return translation.gettext(message)


def exact(text: str) -> re.Pattern[str]:
    return re.compile("^" + r"\s*".join(re.escape(part) for part in text.split()) + "$")


def test_a_shop_assistant_identifies_a_holder_and_renews_a_bundle_for_cash(page: Page, site: str) -> None:
    lang = "nl"
    call_command("demo_data", lines=20)
    call_command("demo_offline")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # A demo line whose holder nobody identified yet (the README names it).
    line = Line.objects.filter(identity_status=IdentityStatus.UNIDENTIFIED).order_by("msisdn").first()
    assert line is not None
    bundle = line.brand.products.filter(kind="bundle").order_by("position").first()
    assert bundle is not None and bundle.price_amount is not None

    # Staff login.
    page.goto(f"{site}/{lang}/shop/")
    page.get_by_label(tr(lang, "Staff e-mail address")).fill("assistant@shop.simrenew.example")
    page.get_by_label(tr(lang, "Password")).fill("Shop-Assistant-2026")
    page.get_by_role("button", name=tr(lang, "Log in")).click()

    # Find the line.
    page.get_by_label(tr(lang, "Mobile number")).fill(line.display)
    page.get_by_role("button", name=tr(lang, "Find")).click()
    expect(page.get_by_role("heading", name=line.display)).to_be_visible()
    expect(page.get_by_text(tr(lang, "Not identified"))).to_be_visible()

    # Identify the holder from a Belgian eID card.
    page.get_by_role("link", name=tr(lang, "Identify the holder")).click()
    page.get_by_label(tr(lang, "Belgian eID card")).check()
    page.get_by_label(tr(lang, "Document number")).fill("591-1234567-53")
    page.get_by_label(tr(lang, "Nationality")).select_option("BE")
    page.get_by_label(tr(lang, "Date of birth")).fill("1990-04-01")
    page.get_by_label(
        tr(lang, "I checked the original document in person, with its holder, and kept no copy of it")
    ).check()
    page.get_by_role("button", name=tr(lang, "Record the identification")).click()
    expect(page.get_by_text("•••••••••753")).to_be_visible()
    expect(page.get_by_text(tr(lang, "Identified"), exact=True)).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "shop-line-identified.png", full_page=True)

    # Renew a bundle, paid in cash.
    page.get_by_role("link", name=tr(lang, "Renew bundle")).click()
    page.get_by_label(bundle.name_in(lang)).check()
    page.get_by_label(tr(lang, "Cash (into the till)")).check()
    page.get_by_role("button", name=tr(lang, "See the price")).click()
    take = tr(lang, "Take %(total)s in cash") % {"total": format_money(bundle.price_amount, "EUR", lang)}
    expect(page.get_by_role("button", name=exact(take))).to_be_visible()
    # Another bundle picked after the price was shown: that price and its button go (the price is asked again).
    other = line.brand.products.filter(kind="bundle").exclude(pk=bundle.pk).order_by("position").first()
    assert other is not None
    page.get_by_label(other.name_in(lang)).check()
    expect(page.get_by_role("button", name=exact(take))).to_be_hidden()
    page.get_by_label(bundle.name_in(lang)).check()
    page.get_by_role("button", name=tr(lang, "See the price")).click()
    page.get_by_role("button", name=exact(take)).click()
    expect(page.get_by_text(tr(lang, "Paid and done. The bundle or credit is on the line."))).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "shop-sale.png", full_page=True)

    sale = ShopSale.objects.select_related("order", "staff", "shop").get()
    assert sale.staff.email == "assistant@shop.simrenew.example"
    assert (sale.order.kind, sale.order.method, sale.amount) == ("bundle", "cash", bundle.price_amount)
    shop = Shop.objects.get(code="brussels-central")
    assert ledger.balance(ledger.account(shop.till_account_code, AccountKind.SHOP_CASH)) == -bundle.price_amount
    identification = Identification.objects.get(line=line)
    assert "591123456753" not in identification.document_number_encrypted
    line.refresh_from_db()
    assert line.identity_status == IdentityStatus.IDENTIFIED

    # The receipt, and the assistant's own till.
    page.get_by_role("link", name=tr(lang, "Print receipt")).click()
    expect(page.get_by_text(sale.order.receipt.verification_code)).to_be_visible()
    page.goto(f"{site}/{lang}/shop/till/")
    expect(page.get_by_role("cell", name="assistant@shop.simrenew.example")).to_be_visible()
