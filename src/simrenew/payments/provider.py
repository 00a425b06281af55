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


@dataclass(frozen=True)
class ProviderPayment:
    id: str
    status: str
    amount: int  # cents
    currency: str
    method: str | None
    checkout_url: str | None
    # Bank transfer: {"bank_account": IBAN, "bank_bic": ..., "transfer_reference": "+++…+++"}.
    details: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    mandate_id: str | None = None
    customer_id: str | None = None


@dataclass(frozen=True)
class ProviderRefund:
    id: str
    status: str
    amount: int


class ProviderError(Exception):
    """The provider could not be reached or refused the call (not the customer's fault)."""


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
    ) -> ProviderPayment: ...

    def get_payment(self, payment_id: str) -> ProviderPayment: ...

    def refund(self, *, payment_id: str, amount: int, currency: str, idempotency_key: str) -> ProviderRefund: ...


PROVIDERS = {"mollie": "simrenew.payments.mollie.MollieProvider"}


def get_provider(name: str | None = None) -> PaymentProvider:
    provider_class = import_string(PROVIDERS[name or settings.PAYMENT_PROVIDER])
    provider: PaymentProvider = provider_class()
    return provider
