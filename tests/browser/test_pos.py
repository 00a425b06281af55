"""A cashier sells a top-up at the POS page with the keyboard and prints the receipt (Chromium)."""

import re

import pytest
from playwright.sync_api import Page, expect

from simrenew.lines.queries import balances
from simrenew.retail.models import Sale
from tests.factories import DEFAULT_PASSWORD, create_brand, create_bundle, create_line, create_topup_product
from tests.retail.factories import create_cashier, create_outlet, create_retailer, set_rate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cashier_sells_a_top_up_and_prints_the_receipt(page: Page, site: str) -> None:
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand)
    create_bundle(brand, code="base-15", price_amount=1500)
    retailer = create_retailer(float_amount=50_000, name="Carrefour")
    set_rate(retailer, brand, 300)
    outlet = create_outlet(retailer, name="Bruxelles Midi")
    cashier = create_cashier(outlet, email="kassa@carrefour.example")
    line = create_line(brand)

    page.goto(f"{site}/en/pos/")
    page.get_by_label("E-mail address").fill(cashier.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")

    # number → Enter
    number = page.get_by_label("Customer's mobile number")
    expect(number).to_be_focused()
    number.fill(line.display)
    number.press("Enter")
    # product: the first top-up amount has the focus; arrow keys move, Enter continues
    expect(page.get_by_role("heading", name=re.compile("BASE"))).to_be_visible()
    page.get_by_role("radio", name="€10.00", exact=True).press("ArrowDown")
    expect(page.get_by_role("radio", name="€15.00", exact=True)).to_be_checked()
    page.get_by_role("radio", name="€15.00", exact=True).press("ArrowDown")
    expect(page.get_by_role("radio", name="€20.00", exact=True)).to_be_checked()
    page.keyboard.press("Enter")
    # confirm: the button has the focus
    expect(page.get_by_role("heading", name="Confirm the sale")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm and sell")).to_be_focused()
    page.keyboard.press("Enter")

    # receipt
    receipt = page.get_by_role("article", name="Receipt")
    expect(receipt).to_be_visible()
    sale = Sale.objects.get()
    expect(receipt).to_contain_text(sale.order.receipt.number)
    expect(receipt).to_contain_text(sale.order.receipt.verification_code)
    expect(receipt).to_contain_text("€20.00")
    assert balances(line).credit_amount == 2000

    # print: the button calls the browser's print; in print media only the 80 mm receipt shows
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.get_by_role("button", name="Print the receipt").click()
    assert page.evaluate("window.__printed") is True
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print the receipt")).to_be_hidden()
    expect(receipt).to_be_visible()
    width_mm = page.evaluate("document.querySelector('.receipt').getBoundingClientRect().width") * 25.4 / 96
    assert 79 <= width_mm <= 81
    pdf = page.pdf(width="80mm", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
