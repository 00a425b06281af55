"""A kiosk user in Chinese checks their balance with an SMS code, then tops up with cash, on the
on-screen keypad, in a real browser; and the kiosk resets itself after an idle minute. Each screen
is enrolled first, as an installer does, with a one-time code from the back office."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import Page, expect

from simrenew.kiosks import devices
from simrenew.kiosks.models import Kiosk
from simrenew.kit.money import format_money
from simrenew.ledger import service as ledger
from simrenew.lines.models import Line
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"


def tr(language: str, message: str) -> str:
    """The message as the page shows it in `language` (still English until the catalogue has it)."""
    with translation.override(language):
        return translation.gettext(message)


def money(language: str, amount: int) -> str:
    return format_money(amount, "EUR", language)


def exact(text: str) -> re.Pattern[str]:
    """Matches `text` whatever spaces the browser or Babel put between its words."""
    return re.compile("^" + r"\s*".join(re.escape(part) for part in text.split()) + "$")


def type_on_keypad(page: Page, digits: str) -> None:
    for digit in digits:
        page.get_by_role("group").get_by_role("button", name=digit, exact=True).click()


def enrol(page: Page, site: str, kiosk_code: str) -> None:
    """The installer opens the kiosk's enrol page on the screen and types the code staff issued."""
    _code, plain = devices.issue_enrolment_code(kiosk=Kiosk.objects.get(code=kiosk_code))
    page.goto(f"{site}/en/kiosk/{kiosk_code}/")
    expect(page.get_by_role("heading", name="This screen is not in service")).to_be_visible()
    page.goto(f"{site}/en/kiosk/{kiosk_code}/enrol/")
    page.get_by_label("Enrolment code").fill(plain)
    page.get_by_role("button", name="Enrol this screen").click()
    expect(page).to_have_url(re.compile(f"/en/kiosk/{kiosk_code}/$"))


def test_a_kiosk_user_in_chinese_checks_the_balance_and_tops_up_with_cash(page: Page, site: str) -> None:
    lang = "zh-hans"
    call_command("demo_data", lines=8)
    call_command("demo_offline")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    line = Line.objects.filter(brand__code="base").order_by("msisdn").first()
    assert line is not None
    national = "0" + line.msisdn.removeprefix("+32")
    credit_before = balances(line).credit_amount

    enrol(page, site, "bru-airport")

    # The start screen, switched to Chinese with the language choice.
    page.goto(f"{site}/en/kiosk/bru-airport/")
    page.get_by_role("link", name="简体中文").click()
    expect(page).to_have_url(re.compile(f"/{lang}/kiosk/bru-airport/$"))
    expect(page.get_by_text(tr(lang, "This kiosk gives no change.")).first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "kiosk-start-zh-hans.png", full_page=True)

    # Balance check: the number on the keypad, then the code from the SMS.
    page.get_by_role("link", name=tr(lang, "Check my balance")).click()
    type_on_keypad(page, national)
    expect(page.get_by_label(tr(lang, "Mobile number"))).to_have_value(national)
    page.get_by_role("button", name=tr(lang, "Send the code")).click()
    sms = OutboxMessage.objects.filter(kind=OutboxKind.SMS, recipient=line.msisdn).latest("id")
    code = re.search(r"\b(\d{6})\b", sms.body)
    assert code is not None
    type_on_keypad(page, code.group(1))
    page.get_by_role("button", name=tr(lang, "Show my balance")).click()
    expect(page.get_by_role("heading", name=tr(lang, "Your balance"))).to_be_visible()
    expect(page.get_by_text(line.masked)).to_be_visible()
    expect(page.get_by_text(exact(money(lang, credit_before))).first).to_be_visible()
    assert national not in page.content()  # nothing but the masked number
    page.screenshot(path=SCREENSHOTS / "kiosk-balance-zh-hans.png", full_page=True)

    # Top up with cash: €10 and €5 notes, then a €2 coin.
    page.get_by_role("link", name=tr(lang, "Top up credit")).click()
    page.get_by_role("button", name=tr(lang, "Pay in cash")).click()
    expect(page.get_by_role("note")).to_contain_text(tr(lang, "This kiosk gives no change."))
    for amount, kind in ((1000, "note"), (500, "note"), (200, "coin")):
        label = tr(lang, f"Insert %(amount)s {kind}") % {"amount": money(lang, amount)}
        page.get_by_role("button", name=exact(label)).click()
    expect(page.get_by_role("status")).to_contain_text(money(lang, 1700))
    page.screenshot(path=SCREENSHOTS / "kiosk-cash-zh-hans.png", full_page=True)
    page.get_by_role("button", name=exact(tr(lang, "Top up %(amount)s") % {"amount": money(lang, 1700)})).click()
    expect(page.get_by_role("heading", name=tr(lang, "Thank you. It is done."))).to_be_visible()

    order = Order.objects.get(line=line, channel="kiosk")
    assert (order.kind, order.method, order.total_amount) == ("topup", "cash", 1700)
    assert balances(line).credit_amount == credit_before + 1700
    assert ledger.verify() == []

    # The receipt for the kiosk's printer.
    page.get_by_role("link", name=tr(lang, "Print receipt")).click()
    expect(page.get_by_text(order.receipt.number)).to_be_visible()
    expect(page.get_by_text(order.receipt.verification_code)).to_be_visible()


def test_the_kiosk_goes_back_to_its_start_screen_after_an_idle_minute(page: Page, site: str) -> None:
    call_command("demo_offline")
    enrol(page, site, "gent-sint-pieters")
    page.clock.install()
    page.goto(f"{site}/de/kiosk/gent-sint-pieters/number/topup/")
    type_on_keypad(page, "0470")
    page.clock.fast_forward("00:59")
    expect(page).to_have_url(re.compile("/number/topup/$"))
    page.clock.fast_forward("00:02")
    # Back at the start screen, in the kiosk's own language (Dutch in Gent), for the next customer.
    expect(page).to_have_url(re.compile("/nl/kiosk/gent-sint-pieters/$"))
