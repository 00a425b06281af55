"""Paying by bank transfer in a real browser: the EPC QR code on the order page decodes to this
order's transfer, and the copy buttons put the IBAN and the structured reference on the clipboard."""

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from simrenew.orders.models import Order
from simrenew.payments.models import Payment
from tests.browser.conftest import browser_type_launch_args, site  # noqa: F401 - the browser tests' fixtures
from tests.factories import DEFAULT_PASSWORD, create_brand, create_customer, create_line, create_topup_product, link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_scan_and_copy_on_the_order_page(page: Page, site: str, width: int) -> None:  # noqa: F811
    brand = create_brand(code="prox", name="Proximus")
    create_topup_product(brand, amounts=[1500])
    line = create_line(brand, msisdn="+32470123456")
    customer = create_customer(email="qr@example.com")
    link(customer, line)
    page.set_viewport_size({"width": width, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)

    page.goto(f"{site}/en/login/")
    page.get_by_label("E-mail address").fill(customer.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.goto(f"{site}/en/topup/")
    page.get_by_label("Mobile number").fill("0470 12 34 56")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("€15.00").check()
    page.get_by_label("Bank transfer").check()
    page.get_by_role("button", name="See the price").click()
    page.get_by_role("button", name="Pay €15.00").click()
    expect(page.get_by_role("heading", name="Pay by bank transfer")).to_be_visible()

    payment = Payment.objects.get(order=Order.objects.get(line=line))
    iban, reference = payment.details["bank_account"], payment.details["transfer_reference"]
    # What a phone's camera sees: the QR code as drawn on screen.
    shot = page.locator("figure.epc svg").screenshot()
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)).convert("L"))
    fields = found.text.split("\n")
    assert fields[:4] == ["BCD", "002", "1", "SCT"]
    assert fields[4:8] == [payment.details["bank_bic"], payment.details["bank_name"], iban, "EUR15"]
    assert fields[8:] == ["", reference]
    # The IBAN is shown by groups of four; the copy buttons copy it whole, and the reference.
    expect(page.get_by_text(" ".join(iban[i : i + 4] for i in range(0, len(iban), 4)), exact=True)).to_be_visible()
    page.get_by_role("button", name="Copy IBAN").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == iban
    page.get_by_role("button", name="Copy reference").click()
    assert page.evaluate("navigator.clipboard.readText()") == reference
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sticks out sideways
