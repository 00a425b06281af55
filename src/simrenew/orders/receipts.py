"""Receipts: what they show, links to them, verification, and PDF rendering.

A receipt is a simplified invoice: the seller (the brand's legal entity, address and VAT number),
what was sold and paid, and the VAT per rate. A top-up sells prepaid credit, a multi-purpose
voucher: its VAT is due when the credit is used, not at the sale, so the credit has no VAT line.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from simrenew.kit.codes import constant_time_equal
from simrenew.kit.errors import NotFound
from simrenew.kit.money import VAT_RATE_BP
from simrenew.orders.access import order_url
from simrenew.orders.models import Order, OrderKind, Receipt

# A receipt's number: "R-" and 10 readable characters (kit.codes.READABLE_ALPHABET); its verification
# code: 8 of them. Both are made in orders.service and read back by `typed_code` below.
RECEIPT_NUMBER_PREFIX = "R"
RECEIPT_NUMBER_LENGTH = 10
VERIFICATION_CODE_LENGTH = 8

# What a person may put inside a number or code without changing it: spaces (any, the ideographic
# one included) and hyphens (the keyboard's, the full-width one, and the typographic U+2010/U+2011).
_HYPHENS = frozenset("-\u2010\u2011\uff0d")
# Full-width forms of printable ASCII (U+FF01 to U+FF5E) sit at a fixed distance from ASCII.
_FULL_WIDTH_FIRST, _FULL_WIDTH_LAST, _FULL_WIDTH_OFFSET = 0xFF01, 0xFF5E, 0xFEE0


@dataclass(frozen=True)
class VatLine:
    """The part of the total taxed at one rate; `rate_bp` None for prepaid credit (VAT when used)."""

    rate_bp: int | None
    gross_amount: int
    vat_amount: int

    @property
    def net_amount(self) -> int:
        return self.gross_amount - self.vat_amount

    @property
    def rate_percent(self) -> str:
        """ "21 %"; empty for prepaid credit."""
        return "" if self.rate_bp is None else f"{Decimal(self.rate_bp) / 100:g} %"


def vat_lines(order: Order) -> list[VatLine]:
    """The total split by VAT rate, as booked (order.vat_amount is the sum of the lines' VAT).

    A bundle and the payment fee are services taxed at 21 % at the sale; top-up credit is not taxed
    until it is used. The lines add up to the order's total."""
    if order.kind == OrderKind.BUNDLE:
        return [VatLine(VAT_RATE_BP, order.total_amount, order.vat_amount)]
    lines = [VatLine(None, order.price_amount, 0)]
    if order.fee_amount:
        lines.append(VatLine(VAT_RATE_BP, order.fee_amount, order.vat_amount))
    return lines


def receipt_path(receipt: Receipt, language: str) -> str:
    with translation.override(language):
        return reverse("portal:receipt", kwargs={"number": receipt.number}) + f"?code={receipt.verification_code}"


def confirmation_context(order: Order) -> dict[str, Any]:
    receipt = order.receipt
    return {
        "order": order,
        "receipt": receipt,
        "product_name": order.product.name_in(order.language),
        "receipt_url": settings.PUBLIC_URL + receipt_path(receipt, order.language),
        # A purchase without an account: its order page opens with the key in this link only.
        "order_url": order_url(order, order.language) if order.customer_id is None else "",
        "language": order.language,
    }


def typed_code(text: str) -> str:
    """A receipt number or verification code as someone typed it, in the characters the receipt prints.

    People copy these off paper or a screen, often with a Chinese or Japanese keyboard that types
    full-width letters and digits (U+FF26 for F, ...). Unlike the input parsers that read numbers (ASCII
    digits only), the point here is to match characters printed on the receipt, so the full-width
    forms of ASCII (U+FF01 to U+FF5E) are mapped to ASCII; letters are upper-cased and spaces and
    hyphens anywhere are dropped ("fwga-vfdv", "FWGA VFDV"). Any other character is kept as it is, so
    it matches no receipt: a Roman numeral or a Cyrillic letter is not read as a Latin letter."""
    kept = []
    for char in text or "":
        if _FULL_WIDTH_FIRST <= ord(char) <= _FULL_WIDTH_LAST:
            char = chr(ord(char) - _FULL_WIDTH_OFFSET)
        if char.isspace() or char in _HYPHENS:
            continue
        kept.append(char.upper() if char.isascii() else char)
    return "".join(kept)


def typed_receipt_number(text: str) -> str:
    """A receipt number as someone typed it, with or without its "R-" ("rey2wqfdts" is R-REY2WQFDTS)."""
    compact = typed_code(text)
    if len(compact) == RECEIPT_NUMBER_LENGTH + len(RECEIPT_NUMBER_PREFIX) and compact.startswith(RECEIPT_NUMBER_PREFIX):
        compact = compact[len(RECEIPT_NUMBER_PREFIX) :]
    return f"{RECEIPT_NUMBER_PREFIX}-{compact}"


def verified_receipt(*, number: str, code: str) -> Receipt:
    """A receipt shown to anyone holding its number and verification code, as they typed them
    (`typed_receipt_number`, `typed_code`)."""
    receipt = (
        Receipt.objects.select_related("order", "order__line", "order__line__brand", "order__product")
        .filter(number=typed_receipt_number(number))
        .first()
    )
    if receipt is None or not constant_time_equal(receipt.verification_code, typed_code(code)):
        raise NotFound()
    return receipt


def receipt_pdf(receipt: Receipt, language: str) -> bytes:
    from weasyprint import HTML  # heavy import; only receipts need it

    with translation.override(language):
        html = render_to_string("portal/receipt_print.html", {"receipt": receipt, "order": receipt.order, "pdf": True})
    return bytes(HTML(string=html, base_url=settings.PUBLIC_URL).write_pdf())
