"""Cash acceptors in kiosks (note and coin validators): which kind a kiosk has, and the sandbox.

The acceptor tells what was inserted; it never gives change. A kiosk credits exactly what went
in, so the interface is a stream of accepted notes and coins, each reported once.

settings.CASH_ACCEPTOR picks the kind:
- "sandbox": the kiosk page shows a button per denomination ("insert €5 note"), for the demo;
- "essp": a real note validator on a serial line, driven by the kiosk's device service
  (payments.cashdevice, `simrenew cashbox run`), which records what the device reports as
  stacked; the page only shows that total and can never add to it;
- empty: no cash (kiosks with their own UI report inserted cash through the kiosk API).
"""

from dataclasses import dataclass
from typing import Literal, Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError

NOTE: Literal["note"] = "note"
COIN: Literal["coin"] = "coin"


class CashAcceptorUnavailable(DomainError):
    status = 503
    code = "cash_unavailable"
    default_message = _("This kiosk does not take cash right now. Pay by card instead.")


class CashRejected(DomainError):
    code = "cash_rejected"
    default_message = _(
        "The kiosk did not accept this note or coin. "
        "It takes euro notes of 5, 10, 20 and 50 and coins of 1 and 2 euros."
    )


@dataclass(frozen=True)
class Denomination:
    amount: int  # cents
    kind: Literal["note", "coin"]
    currency: str = "EUR"


# What the sandbox (and the demo kiosks) accept: no small coins, no notes above €50.
EURO_DENOMINATIONS = (
    Denomination(100, COIN),
    Denomination(200, COIN),
    Denomination(500, NOTE),
    Denomination(1000, NOTE),
    Denomination(2000, NOTE),
    Denomination(5000, NOTE),
)


@dataclass(frozen=True)
class Inserted:
    """One note or coin the acceptor took and put in the cash box."""

    amount: int
    kind: Literal["note", "coin"]
    currency: str = "EUR"


class CashAcceptor(Protocol):
    name: str

    def denominations(self) -> tuple[Denomination, ...]: ...

    def accept(self, *, amount: int, currency: str = "EUR") -> Inserted:
        """Validate one inserted note or coin; CashRejected if the device would give it back."""
        ...


class SandboxCashAcceptor:
    """The kiosk page shows a button per denomination ("insert €5 note"); pressing it inserts that."""

    name = "sandbox"

    def denominations(self) -> tuple[Denomination, ...]:
        return EURO_DENOMINATIONS

    def accept(self, *, amount: int, currency: str = "EUR") -> Inserted:
        for denomination in EURO_DENOMINATIONS:
            if denomination.amount == amount and denomination.currency == currency:
                return Inserted(amount=amount, kind=denomination.kind, currency=currency)
        raise CashRejected()


SANDBOX = "sandbox"
DEVICE = "essp"


def uses_device() -> bool:
    """Whether cash comes from a device the kiosk's device service drives (not from the page)."""
    return settings.CASH_ACCEPTOR == DEVICE


def get_acceptor() -> CashAcceptor:
    """The acceptor the kiosk page may take a note from: only the sandbox; CashAcceptorUnavailable
    otherwise (with a device, only the device service records cash)."""
    if settings.CASH_ACCEPTOR == "sandbox":
        return SandboxCashAcceptor()
    raise CashAcceptorUnavailable()


def acceptor_available() -> bool:
    """Whether the kiosk page itself may insert cash (the sandbox's buttons)."""
    return settings.CASH_ACCEPTOR == SANDBOX
