"""In a real browser, on a phone-sized kiosk screen: a customer tops up with notes a simulated note
validator takes (through the device service, on a pseudo-terminal), the page showing each note as
the device reports it; then finance records the cash box's emptying and sees it reconciled."""

import re
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Browser, expect

from simrenew.kiosks import devices
from simrenew.kiosks.cash_device import CashDeviceService
from simrenew.kiosks.models import CashBoxEmptying
from simrenew.lines.queries import balances
from simrenew.payments.cashdevice.simulator import NoteValidatorSimulator
from simrenew.payments.cashdevice.transport import SerialTransport
from simrenew.payments.cashdevice.validator import EsspHost, NoteValidator
from simrenew.staff import roles
from tests.factories import create_brand, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk
from tests.staff.factories import create_staff_user, staff_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
PHONE = {"width": 390, "height": 844}


def _serve(service: CashDeviceService, stop: threading.Event) -> None:
    try:
        service.run(stop=stop, poll_seconds=0.1)
    finally:
        connection.close()


def test_cash_from_a_note_validator_then_the_cash_box_emptied(browser: Browser, site: str, settings) -> None:
    settings.CASH_ACCEPTOR = "essp"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    brand = create_brand(code="acme")
    create_topup_product(brand, amounts=[1000, 2000])
    line = create_line(brand)
    kiosk = create_kiosk("antwerp-central")
    device = NoteValidatorSimulator.on_pty().start()
    transport = SerialTransport(device.port)
    service = CashDeviceService(
        kiosk=kiosk,
        validator=NoteValidator(EsspHost(transport, timeout=0.3)),
        port=device.port,
        monotonic=time.monotonic,
    )
    stop = threading.Event()
    worker = threading.Thread(target=_serve, args=(service, stop), daemon=True)
    worker.start()
    try:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        _code, plain = devices.issue_enrolment_code(kiosk=kiosk)
        page.goto(f"{site}/en/kiosk/{kiosk.code}/enrol/")
        page.get_by_label("Enrolment code").fill(plain)
        page.get_by_role("button", name="Enrol this screen").click()
        expect(page).to_have_url(re.compile(f"/en/kiosk/{kiosk.code}/$"))

        page.get_by_role("link", name="Top up").first.click()
        page.get_by_role("group").get_by_role("button", name="0", exact=True).click()
        for digit in line.msisdn.removeprefix("+32"):
            page.get_by_role("group").get_by_role("button", name=digit, exact=True).click()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Pay in cash").click()
        expect(page.get_by_text("Insert your notes one at a time into the note reader.", exact=False)).to_be_visible()
        finish = page.get_by_role("button", name="Top up what I inserted")
        expect(finish).to_be_disabled()

        device.insert(2000)
        expect(page.get_by_role("status")).to_contain_text("€20.00", timeout=10_000)
        device.insert(500)
        expect(page.get_by_role("status")).to_contain_text("€25.00", timeout=10_000)
        expect(finish).to_be_enabled()
        page.screenshot(path=SCREENSHOTS / "kiosk-cash-device-390.png", full_page=True)
        finish.click()
        expect(page.get_by_text("€25.00").first).to_be_visible()
        assert balances(line).credit_amount == 2500
        assert sorted(device.stacked) == [500, 2000]

        staff = staff_session(create_staff_user(roles.FINANCE))
        for width in (390, 1280):
            office = browser.new_context(viewport={"width": width, "height": 900})
            office.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": staff.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": site,
                    }
                ]
            )
            tab = office.new_page()
            tab.goto(f"{site}/en/backoffice/cash-boxes/{kiosk.code}/")
            expect(tab.get_by_role("heading", name=f"Cash box of {kiosk.name}")).to_be_visible()
            tab.screenshot(path=SCREENSHOTS / f"backoffice-cash-box-{width}.png", full_page=True)
            scroll = tab.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"the cash box page is {scroll}px wide on a {width}px screen"
            if width == 1280:
                for value in ("€50.00", "€10.00", "€2.00", "€1.00"):  # every value is typed: 0 for none
                    tab.get_by_label(f"How many of {value}").fill("0")
                tab.get_by_label("How many of €20.00").fill("1")
                tab.get_by_label("How many of €5.00").fill("1")
                tab.get_by_role("button", name="Record the emptying").click()
                expect(tab.get_by_text("The count matches what the audit expected.")).to_be_visible()
                tab.screenshot(path=SCREENSHOTS / "backoffice-cash-box-emptied.png", full_page=True)
            office.close()
        emptying = CashBoxEmptying.objects.get()
        assert (emptying.counted_amount, emptying.expected_amount, emptying.difference_amount) == (2500, 2500, 0)
        context.close()
    finally:
        stop.set()
        worker.join(timeout=5)
        transport.close()
        device.stop()
