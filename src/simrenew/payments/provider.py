"""The one typed interface every payment provider implements (Mollie, and the sandbox through it)."""

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

# Mollie's payment statuses; the sandbox uses the same words.
OPEN = "open"
PENDING = "pending"
AUTHORIZED = "authorized"
PAID = "paid"
FAILED = "failed"
CANCELED = "canceled"
EXPIRED = "expired"
FINAL_UNPAID = {FAILED, CANCELED, EXPIRED}
# Sequence types: a one-off payment, the first payment of a mandate, a charge on a mandate.
ONEOFF = "oneoff"
FIRST = "first"
RECURRING = "recurring"
MANDATE_VALID = "valid"


@dataclass(frozen=True)
class ProviderPayment:
    id: str
    status: str
    amount: int  # cents
    currency: str
    method: str | None
    checkout_url: str | None
    # Bank transfer: {"bank_name": the account holder, "bank_account": IBAN, "bank_bic": ...,
    # "transfer_reference": "+++…+++"}.
    details: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    mandate_id: str | None = None
    customer_id: str | None = None
    # "oneoff", "first" (the consumer pays and a mandate is created) or "recurring" (charged on a mandate).
    sequence_type: str = ONEOFF


@dataclass(frozen=True)
class ProviderMandate:
    id: str
    status: str  # "valid", "pending" or "invalid"
    method: str  # the provider's mandate method: "creditcard", "directdebit", "paypal"
    # For showing the customer which means is saved: {"label": "Mastercard", "last4": "6787"}.
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderTerminal:
    """A point-of-sale card terminal of the account (Mollie's Terminals API)."""

    id: str  # term_…
    status: str  # "pending", "active" or "inactive"
    brand: str
    model: str
    serial_number: str
    currency: str
    description: str


# Mollie's refund statuses: queued (waiting for balance), pending, processing, then refunded, failed
# or canceled.
REFUND_QUEUED = "queued"
REFUND_PENDING = "pending"
REFUND_PROCESSING = "processing"
REFUND_REFUNDED = "refunded"
REFUND_FAILED = "failed"
REFUND_CANCELED = "canceled"


@dataclass(frozen=True)
class ProviderRefund:
    id: str
    status: str
    amount: int
    metadata: dict[str, str] = field(default_factory=dict)


class ProviderError(Exception):
    """The provider could not be reached or refused the call (not the customer's fault).

    A plain ProviderError is transient (a network error, a timeout, a 5xx, rate limiting): the same
    call may pass later. `transient` tells a job runner whether retrying can help.
    """

    transient = True


class ProviderRefused(ProviderError):
    """The call was refused: the provider answered no (a 4xx: e.g. the mandate is no longer valid),
    or the client would not send it (a malformed id). Retrying the same call will not help."""

    transient = False


class PaymentProvider(Protocol):
    name: str

    def create_payment(
        self,
        *,
        amount: int,
        currency: str,
        description: str,
        method: str,
        redirect_url: str,
        webhook_url: str,
        metadata: dict[str, str],
        idempotency_key: str,
        locale: str,
        sequence_type: str = ONEOFF,
        customer_id: str = "",
        issuer: str = "",
    ) -> ProviderPayment:
        """A payment the consumer completes at the provider's checkout. With `sequence_type=FIRST`
        and the provider's `customer_id`, paying it also creates a mandate for later charges.
        `issuer` picks the bank of a method that has several (KBC or CBC for "kbc"); without it the
        provider's checkout asks the consumer."""
        ...

    def get_payment(self, payment_id: str) -> ProviderPayment: ...

    def create_customer(self, *, name: str, email: str, metadata: dict[str, str], idempotency_key: str) -> str:
        """Create the provider's customer record (mandates hang off it); returns its id."""
        ...

    def create_recurring_payment(
        self,
        *,
        customer_id: str,
        mandate_id: str,
        amount: int,
        currency: str,
        description: str,
        webhook_url: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> ProviderPayment:
        """Charge a saved mandate, without the consumer; the outcome may come later (webhook)."""
        ...

    def list_customer_payments(self, *, customer_id: str) -> list[ProviderPayment]:
        """The customer's recent payments, newest first (to find a charge whose answer was lost)."""
        ...

    def get_mandate(self, *, customer_id: str, mandate_id: str) -> ProviderMandate: ...

    def revoke_mandate(self, *, customer_id: str, mandate_id: str) -> None: ...

    def refund(
        self,
        *,
        payment_id: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        description: str = "",
        metadata: dict[str, str] | None = None,
    ) -> ProviderRefund:
        """Give back `amount` of a paid payment (all or part of what remains); the outcome comes later."""
        ...

    def list_refunds(self, *, payment_id: str) -> list[ProviderRefund]:
        """The payment's refunds with their current statuses (a webhook only says that one changed)."""
        ...


PROVIDERS = {"mollie": "simrenew.payments.mollie.MollieProvider"}


def get_provider(name: str | None = None) -> PaymentProvider:
    provider_class = import_string(PROVIDERS[name or settings.PAYMENT_PROVIDER])
    provider: PaymentProvider = provider_class()
    return provider
