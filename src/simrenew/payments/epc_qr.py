"""The "SEPA credit transfer" QR code (EPC069-12) that Belgian banking apps scan to fill in a transfer.

Version 002, UTF-8, SCT, BIC (optional in 002, given when known), the beneficiary's name and IBAN,
the amount in euro, no purpose code, and the Belgian structured reference (+++123/4567/89012+++) in
the *structured* remittance line, with the unstructured line left out. Belgian banking apps read a
structured reference there as a "gestructureerde mededeling / communication structurée" and check
its mod-97 digits; the same text in the unstructured line reaches them as a free message, which the
payee's bank then cannot match. Odoo's SEPA QR for Belgian invoices makes the same choice.
"""

from dataclasses import dataclass
from decimal import Decimal

from segno import QRCode, helpers

from simrenew.kit.money import Money
from simrenew.kit.structured_reference import parse_structured_reference


@dataclass(frozen=True)
class TransferRequest:
    """What the customer's bank needs to pay us: who, where, how much, with which reference."""

    name: str
    iban: str  # without spaces
    bic: str
    amount: int  # cents, EUR
    reference: str  # +++123/4567/89012+++

    @property
    def euros(self) -> Decimal:
        return Money(self.amount, "EUR").decimal


def transfer_request(*, name: str, iban: str, bic: str, amount: int, reference: str) -> TransferRequest:
    digits = parse_structured_reference(reference)  # refuses a reference whose check digits are wrong
    return TransferRequest(
        name=" ".join(name.split())[:70],
        iban="".join(iban.split()).upper(),
        bic="".join(bic.split()).upper(),
        amount=amount,
        reference=f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++",
    )


def epc_qr(request: TransferRequest) -> QRCode:
    """The QR code (error correction M, as EPC069-12 requires; segno checks every field's length)."""
    return helpers.make_epc_qr(
        name=request.name,
        iban=request.iban,
        amount=request.euros,
        reference=request.reference,
        bic=request.bic or None,
        encoding="utf-8",
    )


def epc_svg(request: TransferRequest, *, title: str) -> str:
    """The QR code as inline SVG markup, scaled for a phone camera, with an accessible title."""
    return str(epc_qr(request).svg_inline(scale=4, border=4, title=title, svgclass="epc-qr", lineclass=None))


def grouped_iban(iban: str) -> str:
    """BE71096123456769 → "BE71 0961 2345 6769", the way banks print an IBAN."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[start : start + 4] for start in range(0, len(compact), 4))
