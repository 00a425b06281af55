"""Receipts are simplified invoices: the seller, the channel and place of sale, VAT per rate, and for
prepaid credit one sentence instead of a VAT line — on the portal's page and PDF, the e-mail, and
the tickets of shops, kiosks and retail tills."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.orders.models import Channel, Order
from simrenew.orders.receipts import confirmation_context, receipt_pdf, vat_lines
from simrenew.retail.models import Sale
from tests.factories import create_brand, create_bundle, create_line, create_order, create_topup_product, fulfil_paid
from tests.kiosks.factories import create_kiosk, enrol_screen
from tests.retail.factories import create_cashier, create_outlet, create_retailer, set_rate
from tests.shops.factories import create_shop, create_staff, staff_client
from tests.web.form_keys import confirmation, form_key, submit

pytestmark = pytest.mark.django_db

SELLER = "Proximus SA/NV"
SELLER_ADDRESS = "Boulevard du Roi Albert II 27, 1030 Brussels"
VAT_SHOWN = "BE 0202.239.951"
CREDIT_SENTENCE = "Prepaid credit: VAT is charged when the credit is used."


@pytest.fixture
def brand():
    return create_brand(
        code="prox",
        name="Proximus",
        legal_name=SELLER,
        legal_street="Boulevard du Roi Albert II 27",
        legal_postal_code="1030",
        legal_city="Brussels",
        vat_number="BE0202239951",
    )


@pytest.fixture
def line(brand):
    return create_line(brand, msisdn="+32470123456", credit=500)


def text_of(html: str) -> str:
    """The page's words, tags dropped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def portal_receipt(client: Client, order: Order, language: str = "en") -> str:
    with translation.override(language):
        path = reverse("portal:receipt", kwargs={"number": order.receipt.number})
    response = client.get(path, {"code": order.receipt.verification_code})
    assert response.status_code == 200
    return text_of(response.content.decode())


def assert_seller(page: str) -> None:
    assert SELLER in page
    assert SELLER_ADDRESS in page
    assert f"VAT number {VAT_SHOWN}" in page


def test_vat_lines_add_up_to_the_total(brand, line):
    bundle = fulfil_paid(create_order(line=line, product=create_bundle(brand, price_amount=1500), method="creditcard"))
    topup = fulfil_paid(
        create_order(line=line, product=create_topup_product(brand), topup_amount=2000, method="creditcard")
    )

    # A bundle and its card fee (0.25) are both taxed at 21 %: one line.
    [taxed] = vat_lines(bundle)
    assert (taxed.rate_bp, taxed.gross_amount, taxed.vat_amount, taxed.net_amount) == (
        2100,
        1525,
        264,
        1261,
    )  # 2.60 + 0.04, as booked
    assert taxed.rate_percent == "21 %"
    # A top-up: the credit (VAT when used) and the fee at 21 %.
    credit, fee = vat_lines(topup)
    assert (credit.rate_bp, credit.gross_amount, credit.vat_amount) == (None, 2000, 0)
    assert (fee.rate_bp, fee.gross_amount, fee.vat_amount) == (2100, 25, 4)
    for order in (bundle, topup):
        assert sum(part.gross_amount for part in vat_lines(order)) == order.total_amount
        assert sum(part.vat_amount for part in vat_lines(order)) == order.vat_amount


def test_online_bundle_receipt_shows_seller_channel_and_vat_per_rate(client, brand, line):
    order = fulfil_paid(create_order(line=line, product=create_bundle(brand, price_amount=1500), method="bancontact"))

    page = portal_receipt(client, order)

    assert_seller(page)
    assert "Sold by Online, on the website" in page
    assert "VAT rate Excl. VAT VAT Incl. VAT 21 % €12.40 €2.60 €15.00" in page
    assert CREDIT_SENTENCE not in page


def test_top_up_receipt_says_once_that_vat_comes_with_use_and_shows_no_zero_vat_line(client, brand, line):
    order = fulfil_paid(
        create_order(line=line, product=create_topup_product(brand), topup_amount=2000, method="bancontact")
    )

    page = portal_receipt(client, order)

    assert_seller(page)
    assert page.count(CREDIT_SENTENCE) == 1
    assert "€0.00" not in page.replace("Payment fee €0.00", "")  # the fee line may say €0.00; no VAT line does
    assert "VAT rate" not in page


def test_top_up_with_a_fee_shows_the_fees_vat_only(client, brand, line):
    order = fulfil_paid(
        create_order(line=line, product=create_topup_product(brand), topup_amount=2000, method="creditcard")
    )

    page = portal_receipt(client, order)

    assert "21 % €0.21 €0.04 €0.25" in page
    assert page.count(CREDIT_SENTENCE) == 1


def test_receipt_in_the_customers_language(client, brand, line):
    order = fulfil_paid(
        create_order(line=line, product=create_topup_product(brand), topup_amount=2000, method="bancontact")
    )

    page = portal_receipt(client, order, "fr")

    # The sentence exists in every catalogue already; the seller's data are the same in every language.
    with translation.override("fr"):
        assert translation.gettext(CREDIT_SENTENCE) in page
    assert VAT_SHOWN in page and SELLER in page


def test_pdf_receipt_renders(brand, line):
    order = fulfil_paid(create_order(line=line, product=create_bundle(brand, price_amount=1500), method="bancontact"))
    with translation.override("en"):
        html = render_to_string("portal/receipt_print.html", {"receipt": order.receipt, "order": order, "pdf": True})

    assert_seller(text_of(html))
    assert receipt_pdf(order.receipt, "en").startswith(b"%PDF")


def test_confirmation_email_shows_seller_place_and_vat(brand, line):
    order = fulfil_paid(
        create_order(line=line, product=create_topup_product(brand), topup_amount=2000, method="creditcard")
    )
    context = confirmation_context(order)

    with translation.override("en"):
        text = render_to_string("notifications/email/order_confirmation.txt", context)
        html = text_of(render_to_string("notifications/email/order_confirmation.html", context))

    assert "Sold by: Online, on the website" in text
    assert f"Seller: {SELLER}, {SELLER_ADDRESS}, VAT number {VAT_SHOWN}" in text
    assert "VAT 21 %: €0.04 (Excl. VAT €0.21)" in text
    assert text.count(CREDIT_SENTENCE) == 1
    assert SELLER in html and html.count(CREDIT_SENTENCE) == 1


def sell_at_counter(brand, line, *, address: str, city: str):
    """A bundle sold for cash at a shop with this address: the order, and the desk's browser."""
    create_bundle(brand, price_amount=1500, names={"en": "Prox 15"})
    shop = create_shop("brussels", name="Brussels-Central")
    shop.address, shop.city = address, city
    shop.save(update_fields=["address", "city"])
    client = staff_client(create_staff(shop))
    renew = f"/en/shop/lines/{line.pk}/renew/"
    bundle = brand.products.get(kind="bundle")
    quote = client.post(renew, {"product": bundle.pk, "method": "cash"})
    client.post(renew, {"product": bundle.pk, "method": "cash", **confirmation(quote)})
    return Order.objects.get(channel=Channel.SHOP), client


def test_shop_ticket_names_the_shop(brand, line):
    order, client = sell_at_counter(brand, line, address="Rue Neuve 1", city="Brussels")

    ticket = text_of(client.get(f"/en/shop/sales/{order.number}/receipt/").content.decode())
    online = portal_receipt(Client(), order)

    assert_seller(ticket)
    assert "Sold by: Brussels-Central Rue Neuve 1, Brussels" in ticket
    assert "21 % €12.40 €2.60" in ticket
    assert "Sold by Brussels-Central Rue Neuve 1, Brussels" in online


def test_kiosk_ticket_names_the_kiosk_and_its_location(client, brand, line):
    create_topup_product(brand)
    kiosk = create_kiosk("airport")
    enrol_screen(client, kiosk)
    start = client.post(f"/en/kiosk/{kiosk.code}/number/topup/", {"number": "0470 12 34 56"})
    cash_url = client.post(start.url, {"pay": "cash"}).url
    submit(client, cash_url, {"insert": 1000})
    submit(client, cash_url, {"finish": "1"})
    order = Order.objects.get(channel=Channel.KIOSK)

    ticket = text_of(
        client.get(
            f"/en/kiosk/{kiosk.code}/receipt/{order.number}/", {"code": order.receipt.verification_code}
        ).content.decode()
    )

    assert_seller(ticket)
    assert f"Sold by: {kiosk.name} {kiosk.location}" in ticket
    assert ticket.count(CREDIT_SENTENCE) == 1
    assert "VAT rate" not in ticket


def test_retail_receipt_shows_seller_and_outlet(client, brand, line):
    create_topup_product(brand)
    retailer = create_retailer(float_amount=10_000, name="Delhaize")
    set_rate(retailer, brand, 300)
    outlet = create_outlet(retailer, name="Leuven")
    outlet.street, outlet.postal_code, outlet.city = "Bondgenotenlaan 10", "3000", "Leuven"
    outlet.save(update_fields=["street", "postal_code", "city"])
    client.force_login(create_cashier(outlet))
    number = line.msisdn.lstrip("+")
    confirm = client.get("/en/pos/sell/confirm/", {"number": number, "choice": "topup:2000"})
    sold = client.post(
        "/en/pos/sell/confirm/", {"number": number, "choice": "topup:2000", "form_key": form_key(confirm)}
    )
    sale = Sale.objects.get()

    till_receipt = text_of(client.get(sold["Location"]).content.decode())
    online = portal_receipt(Client(), sale.order)

    assert_seller(till_receipt)
    assert till_receipt.count(CREDIT_SENTENCE) == 1
    assert "Sold by Delhaize · Leuven Bondgenotenlaan 10, 3000 Leuven" in online
    assert_seller(online)


def test_a_shop_address_ending_in_its_city_names_the_city_once(brand, line):
    order, client = sell_at_counter(brand, line, address="Rue Neuve 111, 1000 Brussels", city="Brussels")
    ticket = text_of(client.get(f"/en/shop/sales/{order.number}/receipt/").content.decode())
    assert "Rue Neuve 111, 1000 Brussels" in ticket and "Brussels, Brussels" not in ticket


CREDIT_ROW = "Prepaid credit, outside VAT"


def money_in(text: str) -> list[int]:
    """The euro amounts in a text, in cents, in order ("€20.00" is 2000)."""
    return [int(euros) * 100 + int(cents) for euros, cents in re.findall(r"€(\d+)\.(\d\d)", text)]


def vat_rows(html: str) -> list[str]:
    """The rows of a receipt's VAT table, as text, its heading left out."""
    table = html.split('<table class="vat">')[1].split("</table>")[0]
    return [text_of(row) for row in table.split("<tr>")[2:]]


def test_a_top_up_with_a_fee_has_a_vat_table_whose_rows_add_up_to_the_total_paid(client, brand, line):
    order = fulfil_paid(
        create_order(line=line, product=create_topup_product(brand), topup_amount=2000, method="creditcard")
    )
    context = confirmation_context(order)

    for language in ("en", "zh-hans"):
        with translation.override(language):
            credit_row = translation.gettext(CREDIT_ROW)
            page = client.get(
                reverse("portal:receipt", kwargs={"number": order.receipt.number}),
                {"code": order.receipt.verification_code},
            ).content.decode()
            printable = render_to_string(
                "portal/receipt_print.html", {"receipt": order.receipt, "order": order, "pdf": True}
            )
            text = render_to_string("notifications/email/order_confirmation.txt", context)
            mail = text_of(render_to_string("notifications/email/order_confirmation.html", context))
        for html in (page, printable):
            rows = vat_rows(html)
            assert rows == [f"{credit_row} €20.00 — €20.00", "21 % €0.21 €0.04 €0.25"]
            # Each row's last column (incl. VAT) adds up to the total paid.
            assert sum(money_in(row)[-1] for row in rows) == order.total_amount == 2025
        # The e-mail: the credit outside VAT, then the fee's VAT and its amount excluding VAT.
        lines = text.splitlines()
        credit, fee = lines[lines.index(f"{credit_row}: €20.00") :][:2]
        assert credit == f"{credit_row}: €20.00"
        assert sum(money_in(credit + fee)) == order.total_amount
        assert f"{credit_row} €20.00" in mail


def test_a_printed_ticket_of_a_top_up_with_a_fee_has_the_credit_row_too(brand, line):
    """Shops and kiosks print counter/ticket.html: its VAT table adds up to the total paid as well."""
    order = fulfil_paid(
        create_order(line=line, product=create_topup_product(brand), topup_amount=2000, method="creditcard")
    )
    with translation.override("nl"):
        credit_row = translation.gettext(CREDIT_ROW)
        ticket = render_to_string(
            "counter/ticket.html", {"order": order, "receipt": order.receipt, "place": "Station", "note": ""}
        )
    rows = vat_rows(ticket)
    assert credit_row != CREDIT_ROW
    assert rows == [f"{credit_row} € 20,00 —", "21 % € 0,21 € 0,04"]
    # The credit outside VAT, and the fee's amount excluding VAT and its VAT: the total paid.
    cents = [int(euros) * 100 + int(part) for euros, part in re.findall(r"€ (\d+),(\d\d)", " ".join(rows))]
    assert sum(cents) == order.total_amount == 2025


def test_a_bundle_receipt_has_no_prepaid_credit_row(client, brand, line):
    order = fulfil_paid(create_order(line=line, product=create_bundle(brand, price_amount=1500), method="creditcard"))
    context = confirmation_context(order)

    page = portal_receipt(client, order)
    page_html = client.get(
        reverse("portal:receipt", kwargs={"number": order.receipt.number}), {"code": order.receipt.verification_code}
    ).content.decode()
    with translation.override("en"):
        text = render_to_string("notifications/email/order_confirmation.txt", context)

    assert vat_rows(page_html) == ["21 % €12.61 €2.64 €15.25"]
    assert CREDIT_ROW not in page and CREDIT_ROW not in text
    assert "VAT 21 %: €2.64 (Excl. VAT €12.61)" in text


def test_the_receipt_number_in_the_heading_never_breaks_at_its_hyphen(client, brand, line):
    order = fulfil_paid(create_order(line=line, product=create_bundle(brand, price_amount=1500), method="bancontact"))
    with translation.override("nl"):
        path = reverse("portal:receipt", kwargs={"number": order.receipt.number})
    html = client.get(path, {"code": order.receipt.verification_code}).content.decode()

    assert f'<span class="number">{order.receipt.number}</span></h1>' in html
    assert re.search(r"\.number \{ white-space: nowrap; \}", html)
    assert "\u2011" not in html  # the number people copy keeps its ordinary hyphen


@pytest.mark.parametrize(
    ("language", "city"),
    [("en", "Brussels"), ("nl", "Brussel"), ("fr", "Bruxelles"), ("de", "Brüssel"), ("zh-hans", "布鲁塞尔")],
)
def test_the_sellers_city_is_named_in_the_receipts_language(client, brand, line, language, city):
    brand.legal_cities = {"nl": "Brussel", "fr": "Bruxelles", "de": "Brüssel", "zh-hans": "布鲁塞尔"}
    brand.save(update_fields=["legal_cities"])
    order = fulfil_paid(
        create_order(line=line, product=create_topup_product(brand), topup_amount=2000, method="creditcard")
    )
    order.language = language
    order.save(update_fields=["language"])
    address = f"Boulevard du Roi Albert II 27, 1030 {city}"

    page = portal_receipt(client, order, language)
    context = confirmation_context(order)
    with translation.override(language):
        text = render_to_string("notifications/email/order_confirmation.txt", context)
        html = text_of(render_to_string("notifications/email/order_confirmation.html", context))

    for shown in (page, text, html):
        assert address in shown
    if language != "en":
        assert "Brussels" not in page + text + html


def test_a_language_without_its_own_city_name_shows_the_city_as_given(brand):
    brand.legal_cities = {"nl": "Brussel"}
    assert brand.legal_address_in("fr") == "Boulevard du Roi Albert II 27, 1030 Brussels"
    assert brand.legal_address_in("nl") == "Boulevard du Roi Albert II 27, 1030 Brussel"
