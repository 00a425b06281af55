"""The EPC069-12 QR code for a bank transfer: decoded from its image, every field checked; and the
order page's bank-transfer block with the IBAN grouped by four and copy buttons."""

import io
import re

import pytest
import zxingcpp
from django.template import Context, Template
from PIL import Image

from simrenew.kit.structured_reference import InvalidStructuredReference
from simrenew.payments.epc_qr import epc_qr, epc_svg, grouped_iban, transfer_request
from simrenew.payments.models import Payment
from tests.factories import create_brand, create_line, create_order, create_topup_product

REFERENCE = "+++010/8068/17183+++"


def decode(qr) -> list[str]:
    """Read the QR code back from a PNG of it, as a phone's camera would."""
    png = io.BytesIO()
    qr.save(png, kind="png", scale=6, border=4)
    png.seek(0)
    [found] = zxingcpp.read_barcodes(Image.open(png).convert("L"))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    return found.text.split("\n")


def test_decoded_qr_carries_every_field_of_a_belgian_transfer():
    request = transfer_request(
        name="Stichting Mollie Payments", iban="BE71 0961 2345 6769", bic="gkccbebb", amount=1525, reference=REFERENCE
    )

    lines = decode(epc_qr(request))

    assert lines[0] == "BCD"  # service tag
    assert lines[1] == "002"  # version: the BIC may be left out
    assert lines[2] == "1"  # character set: UTF-8
    assert lines[3] == "SCT"  # SEPA credit transfer
    assert lines[4] == "GKCCBEBB"  # BIC
    assert lines[5] == "Stichting Mollie Payments"  # beneficiary
    assert lines[6] == "BE71096123456769"  # IBAN without spaces
    assert lines[7] == "EUR15.25"  # amount in euro
    assert lines[8] == ""  # no purpose code
    assert lines[9] == REFERENCE  # the structured reference, in the structured remittance line
    assert len(lines) == 10  # no unstructured remittance (one or the other), no note to the payer


def test_round_amounts_and_utf8_names_survive_the_round_trip():
    request = transfer_request(
        name="Société Générale Belgique", iban="BE68539007547034", bic="", amount=1000, reference=REFERENCE
    )

    lines = decode(epc_qr(request))

    assert lines[2] == "1" and lines[4] == "" and lines[5] == "Société Générale Belgique"
    assert lines[7] in {"EUR10", "EUR10.00"}  # EPC069-12 allows the decimals to be left out


def test_qr_code_uses_error_correction_m():
    qr = epc_qr(transfer_request(name="X", iban="BE68539007547034", bic="", amount=1, reference=REFERENCE))
    assert qr.error == "M"


def test_a_reference_with_wrong_check_digits_makes_no_qr_code():
    with pytest.raises(InvalidStructuredReference):
        transfer_request(name="X", iban="BE68539007547034", bic="", amount=100, reference="+++010/8068/17184+++")


def test_iban_grouped_by_four():
    assert grouped_iban("BE71096123456769") == "BE71 0961 2345 6769"
    assert grouped_iban(" be71 0961 23456769") == "BE71 0961 2345 6769"
    assert grouped_iban("") == ""


def test_svg_has_an_accessible_title():
    svg = epc_svg(
        transfer_request(name="X", iban="BE68539007547034", bic="", amount=1, reference=REFERENCE), title="Scan me"
    )
    assert svg.startswith("<svg") and "<title>Scan me</title>" in svg


@pytest.mark.django_db
def test_order_page_block_shows_grouped_iban_copy_buttons_and_the_same_qr_code():
    brand = create_brand()
    order = create_order(
        line=create_line(brand), product=create_topup_product(brand), topup_amount=1500, method="banktransfer"
    )
    payment = Payment.objects.create(
        order=order,
        provider="mollie",
        provider_payment_id="tr_qr1",
        method="banktransfer",
        amount=order.total_amount,
        details={
            "bank_name": "Stichting Mollie Payments",
            "bank_account": "BE71096123456769",
            "bank_bic": "GKCCBEBB",
            "transfer_reference": REFERENCE,
        },
    )

    html = Template('{% include "portal/_bank_transfer.html" %}').render(Context({"order": order, "payment": payment}))

    assert '<dd><span class="mono">BE71 0961 2345 6769</span>' in html
    assert f'<dd><span class="mono">{REFERENCE}</span>' in html
    # Copy buttons start hidden: the script shows them where it can write to the clipboard.
    assert re.search(r'<button type="button" class="copy secondary" hidden data-copy="BE71096123456769"', html)
    assert re.search(rf'<button type="button" class="copy secondary" hidden data-copy="{re.escape(REFERENCE)}"', html)
    expected = epc_svg(
        transfer_request(
            name="Stichting Mollie Payments", iban="BE71096123456769", bic="GKCCBEBB", amount=1500, reference=REFERENCE
        ),
        title="QR code to scan with your banking app",
    )
    assert expected in html


@pytest.mark.django_db
def test_no_qr_code_when_the_details_are_incomplete():
    brand = create_brand()
    order = create_order(
        line=create_line(brand), product=create_topup_product(brand), topup_amount=1500, method="banktransfer"
    )
    payment = Payment(
        order=order, provider="mollie", method="banktransfer", amount=1500, details={"bank_account": "BE71096123456769"}
    )

    html = Template('{% include "portal/_bank_transfer.html" %}').render(Context({"order": order, "payment": payment}))

    assert "<svg" not in html and "BE71 0961 2345 6769" in html
