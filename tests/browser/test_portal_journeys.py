"""A new customer's journeys through the portal, in a real browser, in their own language."""

import re

import pytest
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import Page, expect

from simrenew.customers.models import User
from simrenew.kit.money import format_money
from simrenew.kit.phone import format_msisdn
from simrenew.lines.models import Line
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import Order, OrderStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tr(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def translated(language: str, message: str) -> str:
    """The message in `language`; fails if it is still English (the page must really be translated)."""
    text = tr(language, message)
    assert text != message, f"{message!r} is not translated into {language}"
    return text


def pay_button_name(language: str, amount: int) -> re.Pattern[str]:
    """The exact "Pay €15.00" label in `language`, whatever spaces Babel puts in the amount."""
    label = translated(language, "Pay %(total)s") % {"total": format_money(amount, "EUR", language)}
    return re.compile("^" + r"\s*".join(re.escape(part) for part in label.split()) + "$")


def outbox_text(page: Page, base: str, language: str, subject_part: str) -> str:
    page.goto(f"{base}/{language}/dev/outbox/")
    page.get_by_role("link", name=re.compile(re.escape(subject_part))).first.click()
    return page.locator("pre.mail-text").inner_text()


def test_new_customer_in_chinese_registers_links_a_line_and_renews_with_bancontact(page: Page, site: str) -> None:
    lang = "zh-hans"
    call_command("demo_data", lines=8)
    line = Line.objects.filter(brand__code="base").order_by("msisdn").first()
    assert line is not None
    email = "xiaoming@student.example"

    # Register in Chinese.
    page.goto(f"{site}/{lang}/register/")
    page.get_by_label(translated(lang, "Name"), exact=True).fill("王小明")
    page.get_by_label(translated(lang, "E-mail address")).fill(email)
    page.get_by_label(translated(lang, "Password"), exact=True).fill("Bruxelles-Etudiant-2026")
    page.get_by_label(translated(lang, "Password again")).fill("Bruxelles-Etudiant-2026")
    page.get_by_label(translated(lang, "I accept the terms and the privacy notice")).check()
    page.get_by_role("button", name=translated(lang, "Create account")).click()
    # The page says the same whether the address had an account: the e-mail tells which.
    expect(page.get_by_role("heading", name=translated(lang, "Check your e-mail"))).to_be_visible()

    # Verify the e-mail address from the link in the outbox, then log in.
    body = outbox_text(page, site, lang, translated(lang, "Verify your e-mail address for simrenew"))
    link = re.search(r"https?://\S+/verify-email/\S+/", body)
    assert link is not None
    page.goto(link.group(0))
    expect(page.get_by_text(translated(lang, "Your e-mail address is verified."))).to_be_visible()
    assert User.objects.get(email=email).email_verified
    page.get_by_label(translated(lang, "E-mail address")).fill(email)
    page.get_by_label(translated(lang, "Password"), exact=True).fill("Bruxelles-Etudiant-2026")
    page.get_by_role("main").get_by_role("button", name=translated(lang, "Log in")).click()
    expect(page.get_by_role("heading", name=translated(lang, "My account"))).to_be_visible()

    # Link a line with the code sent by SMS.
    page.get_by_role("link", name=translated(lang, "Link a number")).click()
    page.get_by_label(translated(lang, "Mobile number")).fill(format_msisdn(line.msisdn))
    page.get_by_role("button", name=translated(lang, "Send the code")).click()
    code_page = page.url
    sms = OutboxMessage.objects.filter(kind=OutboxKind.SMS, recipient=line.msisdn).latest("id")
    code = re.search(r"\b(\d{6})\b", sms.body)
    assert code is not None
    page.goto(code_page)
    page.get_by_label(translated(lang, "6-digit code from the SMS")).fill(code.group(1))
    page.get_by_role("button", name=translated(lang, "Link this number")).click()
    expect(page.get_by_role("heading", name=format_msisdn(line.msisdn))).to_be_visible()

    # Renew a bundle, paying with Bancontact in the sandbox.
    page.get_by_role("link", name=translated(lang, "Renew bundle")).click()
    bundle = line.brand.products.filter(kind="bundle").order_by("position").last()
    assert bundle is not None
    page.get_by_text(bundle.name_in(lang)).click()
    page.get_by_label("Bancontact").check()
    page.get_by_role("button", name=translated(lang, "See the price")).click()
    expect(page.get_by_role("heading", name=translated(lang, "Your price"))).to_be_visible()
    assert bundle.price_amount is not None
    page.get_by_role("button", name=pay_button_name(lang, bundle.price_amount)).click()
    page.get_by_role("button", name="Paid").click()
    # Paid and fulfilled: "ready", or when a bundle runs, the day the new one starts
    expect(page.locator(".status-banner.status-fulfilled")).to_be_visible()

    order = Order.objects.get(customer__email=email)
    assert order.status == OrderStatus.FULFILLED
    assert order.total_amount == bundle.price_amount  # Bancontact has no fee in the demo catalogue
    assert line.periods.filter(order_id=order.pk).count() == 1

    # My account shows it; the confirmation e-mail is in the outbox, in Chinese.
    page.goto(f"{site}/{lang}/account/")
    expect(page.get_by_role("link", name=order.number)).to_be_visible()
    expect(page.get_by_role("cell", name=translated(lang, "Completed"))).to_be_visible()
    confirmation = outbox_text(page, site, lang, order.number)
    assert order.receipt.number in confirmation
    assert order.receipt.verification_code in confirmation
    assert translated(lang, "Thank you. Your order is complete.") in confirmation
    assert OutboxMessage.objects.filter(kind=OutboxKind.EMAIL, subject__contains=order.number).count() == 1


def test_dutch_gift_top_up_by_bank_transfer_is_paid_later(page: Page, site: str) -> None:
    lang = "nl"
    call_command("demo_data", lines=8)
    customer = User.objects.get(email="demo@simrenew.example")
    customer.language = lang
    customer.save(update_fields=["language"])
    friend = Line.objects.filter(brand__code="orange").order_by("msisdn").first()
    assert friend is not None and not friend.links.exists()
    credit_before = balances(friend).credit_amount
    expiry_before = friend.credit_expires_at

    page.goto(f"{site}/{lang}/login/")
    page.get_by_label(translated(lang, "E-mail address")).fill(customer.email)
    page.get_by_label(translated(lang, "Password")).fill("Renew-Demo-2026")
    page.get_by_role("button", name=translated(lang, "Log in")).click()
    expect(page.get_by_role("heading", name=translated(lang, "My account"))).to_be_visible()

    page.get_by_role("link", name=translated(lang, "Top up"), exact=True).first.click()
    page.get_by_label(translated(lang, "Mobile number")).fill(format_msisdn(friend.msisdn))
    page.get_by_role("button", name=translated(lang, "Continue")).click()
    expect(page.get_by_text(translated(lang, "Gift top-up"))).to_be_visible()
    page.get_by_label("€ 15,00", exact=True).check()
    page.get_by_label(translated(lang, "Bank transfer")).check()
    page.get_by_role("button", name=translated(lang, "See the price")).click()
    page.get_by_role("button", name=pay_button_name(lang, 1500)).click()

    # The order waits for the transfer and shows where to pay, with a valid structured reference.
    waiting = translated(lang, "Waiting for your bank transfer. We complete the order as soon as the money arrives.")
    expect(page.get_by_text(waiting)).to_be_visible()
    reference = page.locator(".transfer .mono").filter(has_text="+++").inner_text()
    assert re.fullmatch(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+", reference.strip())
    order = Order.objects.get(line=friend)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert balances(friend).credit_amount == credit_before

    # Later, the bank transfer arrives: the sandbox marks it paid and posts the webhook.
    page.goto(f"{site}/sandbox/mollie/")
    page.get_by_role("button", name=re.compile("Mark paid")).first.click()
    page.goto(f"{site}/{lang}/orders/{order.number}/")
    expect(page.get_by_text(translated(lang, "Paid and done. Your bundle or credit is ready."))).to_be_visible()

    order.refresh_from_db()
    friend.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert balances(friend).credit_amount == credit_before + 1500
    assert expiry_before is not None and friend.credit_expires_at > expiry_before
    # Two e-mails: how to pay, when the transfer was chosen; the confirmation once it arrived.
    how_to_pay, confirmation = OutboxMessage.objects.filter(
        kind=OutboxKind.EMAIL, subject__contains=order.number
    ).order_by("id")
    assert how_to_pay.recipient == confirmation.recipient == customer.email
    assert reference.strip() in how_to_pay.body
    assert translated(lang, "Thank you. Your order is complete.") in confirmation.body
