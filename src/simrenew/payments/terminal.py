"""Card payment terminals at a shop counter or in a kiosk: one interface, and a sandbox terminal.

With PAYMENT_TERMINAL=mollie the card is taken on a Mollie point-of-sale terminal instead, which
answers later (webhook or poll): payments.pointofsale.

A terminal charges the card the customer presents and answers approved or declined. The charge
happens before the order is written (like any payment provider call, outside the transaction);
if the order then cannot be placed, the caller voids the charge with the same reference.
"""

import hashlib
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError

APPROVE = "approve"
DECLINE = "decline"
SANDBOX_OUTCOMES = (APPROVE, DECLINE)


class TerminalUnavailable(DomainError):
    status = 503
    code = "terminal_unavailable"
    default_message = _("Card payment is not available here right now. Nothing was charged.")


class TerminalBusy(DomainError):
    """The terminal still waits for a card for another sale: a terminal shows one payment at a time, and
    a card presented now would pay that one. `reference`: the waiting payment, to finish or cancel."""

    status = 409
    code = "terminal_busy"
    default_message = _(
        "The card terminal is still waiting for another payment (%(amount)s for %(line)s). Finish or "
        "cancel that payment first. Nothing was charged."
    )

    def __init__(self, *, reference: str, amount: str, line: str) -> None:
        super().__init__(amount=amount, line=line)
        self.reference = reference


class CardDeclined(DomainError):
    status = 402
    code = "card_declined"
    default_message = _("The card was declined. Nothing was charged; try another card or pay in cash.")


@dataclass(frozen=True)
class TerminalResult:
    approved: bool
    reference: str  # ours, e.g. "shop:3:sale:…"; the terminal refuses to charge one reference twice
    authorisation_code: str = ""
    card_label: str = ""  # e.g. "Bancontact •••• 4242": never the full card number
    decline_reason: str = ""


class PaymentTerminal(Protocol):
    name: str

    def charge(self, *, amount: int, currency: str, reference: str) -> TerminalResult: ...

    def void(self, *, reference: str) -> None: ...


class SandboxTerminal:
    """Approves or declines as the tester chose; approval codes are derived from the reference."""

    name = "sandbox"

    def __init__(self, *, outcome: str = APPROVE) -> None:
        if outcome not in SANDBOX_OUTCOMES:
            raise ValueError(f"sandbox terminal outcome must be one of {SANDBOX_OUTCOMES}")
        self.outcome = outcome
        self.voided: list[str] = []

    def charge(self, *, amount: int, currency: str, reference: str) -> TerminalResult:
        if amount <= 0:
            raise ValueError("a terminal charges a positive amount")
        if self.outcome == DECLINE:
            return TerminalResult(approved=False, reference=reference, decline_reason="declined by the sandbox")
        code = hashlib.sha256(reference.encode()).hexdigest()[:6].upper()
        return TerminalResult(
            approved=True, reference=reference, authorisation_code=code, card_label="Bancontact •••• 4242"
        )

    def void(self, *, reference: str) -> None:
        self.voided.append(reference)


def get_terminal(*, sandbox_outcome: str = APPROVE) -> PaymentTerminal:
    """The configured terminal that answers at once (settings.PAYMENT_TERMINAL "sandbox");
    TerminalUnavailable otherwise. Mollie terminals answer later: see payments.pointofsale."""
    if settings.PAYMENT_TERMINAL == "sandbox":
        return SandboxTerminal(outcome=sandbox_outcome if sandbox_outcome in SANDBOX_OUTCOMES else APPROVE)
    raise TerminalUnavailable()


def terminal_available() -> bool:
    return settings.PAYMENT_TERMINAL in ("sandbox", "mollie")


def waits_for_card() -> bool:
    """Card payments are started on a Mollie terminal and waited for (payments.pointofsale)."""
    return bool(settings.PAYMENT_TERMINAL == "mollie")
