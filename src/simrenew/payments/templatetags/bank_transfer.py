"""Template helpers for paying by bank transfer: the IBAN grouped by four and the EPC QR code."""

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from simrenew.kit.errors import DomainError
from simrenew.payments.epc_qr import epc_svg, grouped_iban, transfer_request
from simrenew.payments.mollie import ACCOUNT_HOLDER

register = template.Library()


@register.filter
def iban_groups(iban: str | None) -> str:
    return grouped_iban(iban or "")


@register.simple_tag
def transfer_qr(payment: Any) -> SafeString | str:
    """An open bank transfer's EPC QR code as inline SVG; nothing when its details are incomplete."""
    details = payment.details or {}
    try:
        request = transfer_request(
            name=details.get("bank_name") or ACCOUNT_HOLDER,
            iban=details.get("bank_account", ""),
            bic=details.get("bank_bic", ""),
            amount=payment.amount,
            reference=details.get("transfer_reference", ""),
        )
        svg = epc_svg(request, title=_("QR code to scan with your banking app"))
    except (DomainError, ValueError):
        return ""
    return mark_safe(svg)  # noqa: S308 - segno's own markup, from validated fields only
