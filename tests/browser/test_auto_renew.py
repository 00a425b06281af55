"""In Chinese, a customer switches auto-renew on; time passes (the scheduler runs at a fixed time) and
the bundle renews from credit; the renewal shows on My account, and its e-mail and SMS are in the
outbox. Labels come from the catalogues (gettext) without asserting they are translated yet."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from simrenew.kit.phone import format_msisdn
from simrenew.lines import service as lines
from simrenew.lines.models import PeriodStatus
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import Order, OrderStatus
from tests.factories import DEFAULT_PASSWORD, create_brand, create_bundle, create_customer, create_line, link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BRUSSELS = ZoneInfo("Europe/Brussels")


def tr(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def test_in_chinese_auto_renew_renews_the_bundle_and_tells_by_email_and_sms(page: Page, site: str) -> None:
    lang = "zh-hans"
    # A bundle that ends in two days at noon, Brussels time (SMS go out by day).
    ends_at = datetime.combine(timezone.localdate() + timedelta(days=2), time(12), tzinfo=BRUSSELS)
    brand = create_brand(code="base", name="BASE")
    bundle = create_bundle(brand, price_amount=1500, names={"en": "BASE 15", "zh-hans": "BASE 15 套餐"})
    line = create_line(brand, credit=2000, credit_expires_at=ends_at + timedelta(days=200))
    customer = create_customer(email="xiaoming@student.example", language=lang)
    link(customer, line)
    with transaction.atomic():
        lines.add_bundle_period(
            line=lines.lock_line(line.pk), product=bundle, order_id=None, at=ends_at - timedelta(days=30)
        )

    # Log in and switch auto-renew on for the line.
    page.goto(f"{site}/{lang}/login/")
    page.get_by_label(tr(lang, "E-mail address")).fill(customer.email)
    page.get_by_label(tr(lang, "Password")).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=tr(lang, "Log in")).click()
    expect(page.get_by_role("heading", name=format_msisdn(line.msisdn))).to_be_visible()
    page.get_by_role("link", name=tr(lang, "Auto-renew is off")).click()
    page.get_by_role("button", name=tr(lang, "Switch auto-renew on")).click()
    expect(page.get_by_role("heading", name=tr(lang, "Auto-renew is on"))).to_be_visible()
    line.refresh_from_db()
    assert line.auto_renew is True

    # Time passes: the scheduler runs half an hour before the bundle ends.
    call_command("scheduler", "--once", "--at", (ends_at - timedelta(minutes=30)).isoformat())

    order = Order.objects.get(line=line)
    assert (order.channel, order.status, order.method) == ("auto", OrderStatus.FULFILLED, "credit")
    assert balances(line).credit_amount == 500
    renewed = line.periods.get(order_id=order.pk)
    assert (renewed.status, renewed.starts_at) == (PeriodStatus.QUEUED, ends_at)

    # My account shows the renewal queued after the current bundle.
    page.goto(f"{site}/{lang}/account/")
    expect(page.get_by_role("heading", name=tr(lang, "Queued renewals"))).to_be_visible()
    expect(page.get_by_text(re.compile(re.escape(bundle.name_in(lang)))).first).to_be_visible()
    expect(page.get_by_role("link", name=order.number)).to_be_visible()

    # The e-mail (with the receipt) and the SMS are in the outbox, in Chinese.
    mail = OutboxMessage.objects.get(kind=OutboxKind.EMAIL, recipient=customer.email)
    with translation.override(lang):
        subject = translation.gettext("Your bundle %(product)s was renewed automatically") % {
            "product": bundle.name_in(lang)
        }
    assert mail.subject == subject
    sms = OutboxMessage.objects.get(kind=OutboxKind.SMS, recipient=line.msisdn)
    assert bundle.name_in(lang) in sms.body
    page.goto(f"{site}/{lang}/dev/outbox/")
    page.get_by_role("link", name=subject).click()
    text = page.locator("pre.mail-text").inner_text()
    assert order.receipt.number in text and order.receipt.verification_code in text
    page.goto(f"{site}/{lang}/dev/outbox/")
    expect(page.get_by_role("cell", name=line.msisdn)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(re.escape(sms.body[:40])))).to_be_visible()
