"""Mollie through its official client (`mollie-api-python`); the sandbox is reached the same way by
pointing the client at MOLLIE_API_ENDPOINT."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from mollie.api.client import Client
from mollie.api.error import Error as MollieError
from mollie.api.error import RequestSetupError, ResponseError
from mollie.api.objects.customer import Customer as MollieCustomer
from mollie.api.objects.payment import Payment as MolliePayment
from mollie.api.resources.mandates import CustomerMandates
from mollie.api.resources.payments import CustomerPayments
from mollie.api.resources.refunds import PaymentRefunds

from simrenew.kit.money import Money
from simrenew.payments.provider import (
    ONEOFF,
    RECURRING,
    ProviderError,
    ProviderMandate,
    ProviderPayment,
    ProviderRefund,
    ProviderRefused,
    ProviderTerminal,
)

POINT_OF_SALE = "pointofsale"

# Django language → Mollie checkout locale. Mollie has no German for Belgium (de_DE), and no Chinese
# at all: a Chinese customer's payment carries no locale, so that the checkout follows the browser's
# language, as Mollie documents for a payment without one (Mollie falls back to English; the sandbox
# has a Chinese checkout).
LOCALES = {
    "zh-hans": "",
    "zh": "",
    "en": "en_US",
    "nl": "nl_BE",
    "fr": "fr_BE",
    "de": "de_DE",
}
DEFAULT_LOCALE = "en_US"
# Who Mollie's bank transfers are paid to (its `bankName`), for a payment stored without the name.
ACCOUNT_HOLDER = "Stichting Mollie Payments"
# KBC/CBC Payment Button: the bank is Mollie's "issuer"; without one, Mollie's checkout asks for it.
KBC_ISSUERS = ("kbc", "cbc")


def mollie_locale(language: str) -> str:
    code = (language or "").lower().replace("_", "-")
    for key in (code, code.split("-")[0]):
        if key in LOCALES:
            return LOCALES[key]
    return DEFAULT_LOCALE


def mollie_amount(amount: int, currency: str) -> dict[str, str]:
    # Mollie wants a string with exactly two decimals; Decimal keeps cents exact (no float).
    return {"currency": currency, "value": f"{Money(amount, currency).decimal:.2f}"}


def cents(amount: dict[str, str]) -> int:
    return Money.from_decimal(Decimal(amount["value"]), amount["currency"]).amount


def _payment(payment: Any) -> ProviderPayment:
    raw_details = payment.details or {}
    details = {
        key: str(raw_details[mollie_key])
        for key, mollie_key in (
            ("bank_name", "bankName"),
            ("bank_account", "bankAccount"),
            ("bank_bic", "bankBic"),
            ("transfer_reference", "transferReference"),
            ("card_label", "cardLabel"),
            ("card_number", "cardNumber"),
            ("consumer_account", "consumerAccount"),
            ("consumer_bic", "consumerBic"),
            ("wallet", "wallet"),
            ("terminal_id", "terminalId"),
        )
        if raw_details.get(mollie_key)
    }
    metadata = payment.metadata if isinstance(payment.metadata, dict) else {}
    return ProviderPayment(
        id=payment.id,
        status=payment.status,
        amount=cents(payment.amount),
        currency=payment.amount["currency"],
        method=payment.method,
        checkout_url=payment.checkout_url,
        details=details,
        metadata={str(key): str(value) for key, value in metadata.items()},
        mandate_id=payment.mandate_id,
        customer_id=payment.customer_id,
        sequence_type=payment.sequence_type or ONEOFF,
    )


def _refund(refund: Any) -> ProviderRefund:
    metadata = refund.metadata if isinstance(refund.metadata, dict) else {}
    return ProviderRefund(
        id=refund.id,
        status=refund.status,
        amount=cents(refund.amount),
        metadata={str(key): str(value) for key, value in metadata.items()},
    )


# 4xx answers that are no verdict on the call itself, so the same call may pass later: 401 and 403
# (our API key or its permissions: passes once the configuration is fixed, and must never read as
# "this mandate is no longer valid"), 408 (timed out on the way), 429 (rate limited; Mollie
# documents it on every endpoint).
RETRYABLE_4XX = {401, 403, 408, 429}


def _error(what: str, exc: MollieError) -> ProviderError:
    """A refusal when retrying the same call cannot help: a 4xx answer, or a request the client
    would not send (a malformed id). Anything else may pass if tried again: the client wraps
    connection errors and timeouts in RequestError, an answer it cannot read (a proxy's HTML
    error page) is a ResponseHandlingError, and a 5xx a ResponseError with that status."""
    if isinstance(exc, RequestSetupError):
        return ProviderRefused(f"{what}: {exc}")
    status = getattr(exc, "status", None) if isinstance(exc, ResponseError) else None
    if isinstance(status, int) and 400 <= status < 500 and status not in RETRYABLE_4XX:
        return ProviderRefused(f"{what}: {exc}")
    return ProviderError(f"{what}: {exc}")


def _customer(client: Client, customer_id: str) -> MollieCustomer:
    # A stand-in customer with only the id: enough for its sub-resources, and spares a GET.
    return MollieCustomer({"id": customer_id}, client)


class MollieProvider:
    name = "mollie"

    def __init__(self) -> None:
        self.client = Client()
        if settings.MOLLIE_API_ENDPOINT:
            self.client.set_api_endpoint(settings.MOLLIE_API_ENDPOINT)
        try:
            self.client.set_api_key(settings.MOLLIE_API_KEY)
        except MollieError as exc:
            raise ProviderError(f"Mollie is misconfigured: {exc}") from exc
        self.client.set_user_agent_component("simrenew", "1")

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
        data: dict[str, Any] = {
            "amount": mollie_amount(amount, currency),
            "description": description,
            "redirectUrl": redirect_url,
            "metadata": metadata,
        }
        if checkout_locale := mollie_locale(locale):
            data["locale"] = checkout_locale
        if issuer:
            data["issuer"] = issuer
        if sequence_type != ONEOFF:
            data["sequenceType"] = sequence_type
            data["customerId"] = customer_id
        # No method lets the consumer pick on Mollie's checkout; no webhook means no status pushes.
        if method:
            data["method"] = method
        if webhook_url:
            data["webhookUrl"] = webhook_url
        try:
            # The client sends this as the Idempotency-Key header, so a retried create is not doubled.
            payment = self.client.payments.create(data, idempotency_key=idempotency_key)
        except MollieError as exc:
            raise _error("Mollie refused to create the payment", exc) from exc
        return _payment(payment)

    def get_payment(self, payment_id: str) -> ProviderPayment:
        try:
            payment = self.client.payments.get(payment_id)
        except MollieError as exc:
            raise _error(f"Mollie could not return payment {payment_id}", exc) from exc
        return _payment(payment)

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
        data: dict[str, Any] = {"amount": mollie_amount(amount, currency)}
        if description:
            data["description"] = description[:140]  # Mollie's limit for a refund's description
        if metadata:
            data["metadata"] = metadata
        try:
            refund = self._refunds(payment_id).create(data, idempotency_key=idempotency_key)
        except MollieError as exc:
            raise _error(f"Mollie could not refund payment {payment_id}", exc) from exc
        return _refund(refund)

    def list_refunds(self, *, payment_id: str) -> list[ProviderRefund]:
        try:
            return [_refund(refund) for refund in self._refunds(payment_id).list(limit=250)]
        except MollieError as exc:
            raise _error(f"Mollie could not list the refunds of payment {payment_id}", exc) from exc

    def _refunds(self, payment_id: str) -> PaymentRefunds:
        # A stand-in payment with only the id: enough for the refunds path, and spares a GET.
        return PaymentRefunds(self.client, MolliePayment({"id": payment_id}, self.client))

    def create_customer(self, *, name: str, email: str, metadata: dict[str, str], idempotency_key: str) -> str:
        data = {"name": name, "email": email, "metadata": metadata}
        try:
            customer = self.client.customers.create(data, idempotency_key=idempotency_key)
        except MollieError as exc:
            raise _error("Mollie refused to create the customer", exc) from exc
        return str(customer.id)

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
        data: dict[str, Any] = {
            "amount": mollie_amount(amount, currency),
            "description": description,
            "sequenceType": RECURRING,
            "customerId": customer_id,
            "mandateId": mandate_id,
            "metadata": metadata,
        }
        if webhook_url:
            data["webhookUrl"] = webhook_url
        try:
            payment = self.client.payments.create(data, idempotency_key=idempotency_key)
        except MollieError as exc:
            raise _error("Mollie refused to charge the mandate", exc) from exc
        return _payment(payment)

    def list_customer_payments(self, *, customer_id: str) -> list[ProviderPayment]:
        try:
            found = CustomerPayments(self.client, _customer(self.client, customer_id)).list(limit=50)
            return [_payment(payment) for payment in found]
        except MollieError as exc:
            raise _error(f"Mollie could not list the payments of {customer_id}", exc) from exc

    def get_mandate(self, *, customer_id: str, mandate_id: str) -> ProviderMandate:
        try:
            mandate = CustomerMandates(self.client, _customer(self.client, customer_id)).get(mandate_id)
        except MollieError as exc:
            raise _error(f"Mollie could not return mandate {mandate_id}", exc) from exc
        raw = mandate.details or {}
        details = {
            key: str(raw[mollie_key])
            for key, mollie_key in (("label", "cardLabel"), ("last4", "cardNumber"), ("account", "consumerAccount"))
            if raw.get(mollie_key)
        }
        return ProviderMandate(id=mandate.id, status=mandate.status, method=mandate.method, details=details)

    def revoke_mandate(self, *, customer_id: str, mandate_id: str) -> None:
        try:
            CustomerMandates(self.client, _customer(self.client, customer_id)).delete(mandate_id)
        except MollieError as exc:
            raise _error(f"Mollie could not revoke mandate {mandate_id}", exc) from exc

    # --- Point of sale: card terminals at counters and kiosks

    def create_pos_payment(
        self,
        *,
        terminal_id: str,
        amount: int,
        currency: str,
        description: str,
        webhook_url: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> ProviderPayment:
        """A payment the terminal `terminal_id` asks the customer's card for (method pointofsale): no
        checkout and no redirect; it stays open until the card is approved, declined or walks away."""
        data: dict[str, Any] = {
            "amount": mollie_amount(amount, currency),
            "description": description,
            "method": POINT_OF_SALE,
            "terminalId": terminal_id,
            "metadata": metadata,
        }
        if webhook_url:
            data["webhookUrl"] = webhook_url
        try:
            payment = self.client.payments.create(data, idempotency_key=idempotency_key)
        except MollieError as exc:
            raise _error(f"Mollie refused to start a payment on terminal {terminal_id}", exc) from exc
        return _payment(payment)

    def cancel_payment(self, payment_id: str, *, idempotency_key: str) -> ProviderPayment:
        """Cancel an open payment (DELETE); ProviderRefused when it is no longer cancelable."""
        try:
            payment = self.client.payments.delete(payment_id, idempotency_key=idempotency_key)
        except MollieError as exc:
            raise _error(f"Mollie could not cancel payment {payment_id}", exc) from exc
        return _payment(payment)

    def list_terminals(self) -> list[ProviderTerminal]:
        try:
            found = self.client.terminals.list(limit=250)
            return [
                ProviderTerminal(
                    id=str(terminal.id),
                    status=str(terminal.status or ""),
                    brand=str(terminal.brand or ""),
                    model=str(terminal.model or ""),
                    serial_number=str(terminal.serial_number or ""),
                    currency=str(terminal.currency or "EUR"),
                    description=str(terminal.description or ""),
                )
                for terminal in found
            ]
        except MollieError as exc:
            raise _error("Mollie could not list the terminals", exc) from exc
