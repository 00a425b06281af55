"""A visitor without an account buys from the home page in a real browser: at most three pages from
the home page to the payment page (counted), paid in the sandbox, then the order page and the receipt
reached again from the confirmation e-mail's link in a fresh browser."""

import re

import pytest
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import Browser, Locator, Page, expect

from simrenew.kit.money import format_money
from simrenew.kit.phone import format_msisdn, mask_msisdn
from simrenew.lines.models import Line
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import Order, OrderStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tr(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def pay_button_name(language: str, amount: int) -> re.Pattern[str]:
    label = tr(language, "Pay %(total)s") % {"total": format_money(amount, "EUR", language)}
    return re.compile("^" + r"\s*".join(re.escape(part) for part in label.split()) + "$")


def paid_button(page: Page) -> Locator:
    """The sandbox checkout's "Paid" outcome (the first of its outcomes, labelled in the buyer's language)."""
    return page.get_by_role("group").get_by_role("button").first


def count_pages(page: Page) -> list[str]:
    """Every document the tab loads (htmx updates inside a page are not pages)."""
    loaded: list[str] = []
    page.on("framenavigated", lambda frame: loaded.append(frame.url) if frame == page.main_frame else None)
    return loaded


def test_a_visitor_buys_a_bundle_from_the_home_page_in_three_pages_and_finds_it_from_the_email(
    page: Page, site: str, browser: Browser
) -> None:
    lang = "fr"
    call_command("demo_data", lines=8)
    line = Line.objects.filter(brand__code="orange").order_by("msisdn").first()
    assert line is not None
    bundle = line.brand.products.get(code="go-plus")
    assert bundle.price_amount is not None
    pages = count_pages(page)

    # 1. The home page shows each brand's bundles; one button leads into checkout with it chosen.
    page.goto(f"{site}/{lang}/")
    card = page.get_by_role("article").filter(has=page.get_by_role("heading", name="Orange Belgium"))
    offer = card.get_by_role("listitem").filter(has=page.get_by_role("heading", name=bundle.name_in(lang)))
    expect(offer).to_contain_text(format_money(bundle.price_amount, "EUR", lang).replace("\u202f", " ").split()[0])
    offer.get_by_role("link", name=tr(lang, "Buy %(name)s") % {"name": bundle.name_in(lang)}).click()

    # 2. Checkout: the number, the method with its fee; the price shows on the same page.
    page.get_by_label(tr(lang, "Mobile number")).fill(format_msisdn(line.msisdn))
    page.get_by_label("Bancontact").check()
    page.get_by_label(tr(lang, "E-mail for the receipt (optional)")).fill("cadeau@example.be")
    expect(page.get_by_text(mask_msisdn(line.msisdn))).to_be_visible()
    expect(page.get_by_role("heading", name=tr(lang, "Your price"))).to_be_visible()
    page.get_by_role("button", name=pay_button_name(lang, bundle.price_amount)).click()

    # 3. The payment page (the sandbox's hosted checkout).
    expect(paid_button(page)).to_be_visible()
    assert "/sandbox/mollie/checkout/" in page.url
    # home page, checkout, payment page: every load counted, the last is the payment page
    assert pages[0] == f"{site}/{lang}/" and "/sandbox/mollie/checkout/" in pages[-1], pages
    assert len(pages) <= 3, pages
    paid_button(page).click()
    # Paid and fulfilled: "ready", or when a bundle runs, the day the new one starts
    expect(page.locator(".status-banner.status-fulfilled")).to_be_visible()

    order = Order.objects.get(line=line)
    assert (order.status, order.customer_id, order.kind) == (OrderStatus.FULFILLED, None, "bundle")
    assert order.total_amount == bundle.price_amount  # Bancontact: no fee in the demo catalogue

    # The confirmation e-mail carries the order's link; it opens in a fresh browser, then the receipt.
    mail = OutboxMessage.objects.get(kind=OutboxKind.EMAIL, recipient="cadeau@example.be")
    link = re.search(r"https?://\S+/orders/" + re.escape(order.number) + r"/\?key=\S+", mail.body)
    assert link is not None
    fresh = browser.new_context().new_page()
    fresh.goto(f"{site}/{lang}/orders/{order.number}/")
    expect(fresh.get_by_text(order.masked_number)).to_have_count(0)
    fresh.goto(link.group(0))
    # Paid and fulfilled: "ready", or when a bundle runs, the day the new one starts
    expect(fresh.locator(".status-banner.status-fulfilled")).to_be_visible()
    fresh.get_by_role("link", name=tr(lang, "View receipt")).click()
    expect(fresh.get_by_text(order.receipt.number).first).to_be_visible()
    expect(fresh.get_by_text(order.receipt.verification_code).first).to_be_visible()


def test_a_visitor_tops_up_a_number_typed_on_the_home_page(page: Page, site: str) -> None:
    lang = "nl"
    call_command("demo_data", lines=8)
    line = Line.objects.filter(brand__code="base").order_by("msisdn").first()
    assert line is not None
    pages = count_pages(page)

    page.goto(f"{site}/{lang}/")
    page.get_by_label(tr(lang, "Mobile number")).fill(format_msisdn(line.msisdn))
    page.get_by_role("button", name=tr(lang, "Continue")).click()
    expect(page.get_by_text(mask_msisdn(line.msisdn))).to_be_visible()
    page.get_by_label(format_money(1500, "EUR", lang), exact=True).check()
    page.get_by_label("PayPal").check()
    # 15.00 + PayPal's 0.35 + 1.9 % (0.29); the BASE bonus offer adds 5.00 of bonus credit
    expect(page.get_by_role("heading", name=tr(lang, "Your price"))).to_be_visible()
    page.get_by_role("button", name=pay_button_name(lang, 1564)).click()
    expect(paid_button(page)).to_be_visible()
    assert "/sandbox/mollie/checkout/" in page.url
    # home page, checkout, payment page: every load counted, the last is the payment page
    assert pages[0] == f"{site}/{lang}/" and "/sandbox/mollie/checkout/" in pages[-1], pages
    assert len(pages) <= 3, pages
    order = Order.objects.get(line=line, customer=None)
    assert (order.total_amount, order.fee_amount, order.bonus_amount) == (1564, 64, 500)
