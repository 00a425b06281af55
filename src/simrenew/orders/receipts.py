"""Receipts: what they show, links to them, verification, and PDF rendering."""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from simrenew.kit.codes import constant_time_equal
from simrenew.kit.errors import NotFound
from simrenew.orders.models import Order, Receipt


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
        "language": order.language,
    }


def verified_receipt(*, number: str, code: str) -> Receipt:
    """A receipt shown to anyone holding its number and verification code."""
    receipt = (
        Receipt.objects.select_related("order", "order__line", "order__line__brand", "order__product")
        .filter(number=number.strip().upper())
        .first()
    )
    if receipt is None or not constant_time_equal(receipt.verification_code, (code or "").strip().upper()):
        raise NotFound()
    return receipt


def receipt_pdf(receipt: Receipt, language: str) -> bytes:
    from weasyprint import HTML  # heavy import; only receipts need it

    with translation.override(language):
        html = render_to_string("portal/receipt_print.html", {"receipt": receipt, "order": receipt.order, "pdf": True})
    return bytes(HTML(string=html, base_url=settings.PUBLIC_URL).write_pdf())
