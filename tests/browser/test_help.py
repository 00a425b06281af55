"""The help centre in a real browser, on a phone: search in Chinese, read an article with the live fee
table, write to customer service and get the case reference; customer service answers from the inbox."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from playwright.sync_api import Page, expect

from simrenew.notifications.models import OutboxMessage
from simrenew.staff.roles import CUSTOMER_SERVICE
from simrenew.support.models import Case, CaseStatus
from tests.factories import create_brand
from tests.staff.factories import create_staff_user, staff_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def tr(message: str) -> str:
    """The label as the Chinese page shows it (English until its translation is in the catalogue)."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_visitor_searches_in_chinese_reads_the_fees_and_writes_to_customer_service(page: Page, site: str) -> None:
    create_brand(name="Acme Mobile", fees={"paypal": (35, 190)})
    page.set_viewport_size(PHONE)
    page.goto(f"{site}/zh-hans/help/")
    no_sideways_scroll(page)
    page.get_by_role("searchbox").fill("手续费")
    page.get_by_role("searchbox").press("Enter")
    page.get_by_role("link", name="各种付款方式要收多少费用\uff1f").click()
    expect(page.get_by_role("heading", name="Acme Mobile")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("PayPal"))).to_contain_text("€0.35")
    no_sideways_scroll(page)

    page.goto(f"{site}/zh-hans/help/contact/?topic=fees")
    page.get_by_label(tr("Your name")).fill("王小明")
    page.get_by_label(tr("Your e-mail address")).fill("xiaoming@student.example")
    page.get_by_label(tr("Your message")).fill("为什么用 PayPal 付款比标价贵\uff1f")
    no_sideways_scroll(page)
    page.get_by_role("button", name=tr("Send"), exact=True).click()
    case = Case.objects.get()
    expect(page.get_by_text(case.reference)).to_be_visible()
    assert (case.language, case.topic) == ("zh-hans", "fees")
    assert OutboxMessage.objects.get().subject.startswith(f"[{case.reference}]")


def test_customer_service_answers_from_the_inbox(page: Page, site: str) -> None:
    Client().post(
        "/nl/help/contact/",
        {
            "name": "An",
            "email": "an@example.be",
            "topic": "failed_payment",
            "message": "Mijn betaling is mislukt.",
            "form_key": "0" * 32,
        },
    )
    case = Case.objects.get()
    agent = create_staff_user(CUSTOMER_SERVICE, email="sam@operator.example")
    session = staff_session(agent).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site}])
    page.goto(f"{site}/en/backoffice/support/")
    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_text("Mijn betaling is mislukt.")).to_be_visible()
    page.get_by_label("Answer").fill("Dag An, probeer opnieuw met Bancontact.")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".conversation li.out")).to_contain_text("probeer opnieuw met Bancontact")
    case.refresh_from_db()
    assert case.status == CaseStatus.ANSWERED
    assert OutboxMessage.objects.filter(recipient="an@example.be", body__contains="probeer opnieuw").exists()
