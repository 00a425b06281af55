"""The sandbox's rules: create, change, cancel and refund payments the way Mollie's test mode does.

Everything that changes a payment's status goes through `set_status`, which also queues the webhook.
Errors are `ApiError`s carrying Mollie's HTTP status, message and offending field.
"""

import contextlib
import json
import re
import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.crypto import get_random_string

from simrenew.jobs.backend import enqueue_with_transaction
from simrenew.kit import clock
from simrenew.kit.structured_reference import make_structured_reference
from simrenew.sandbox.models import SandboxCustomer, SandboxMandate, SandboxPayment, SandboxRefund, SandboxTerminal
from simrenew.sandbox.tasks import deliver_webhook, settle_recurring, settle_refund

METHODS = ("bancontact", "kbc", "belfius", "creditcard", "applepay", "paypal", "banktransfer", "pointofsale")
# Paid on a card terminal (terminalId): no checkout, no redirect; open until the card is presented.
POINT_OF_SALE = "pointofsale"
TERMINAL_ID = re.compile(r"^term_\w+$", re.ASCII)
EURO_ONLY_METHODS = {"bancontact", "kbc", "belfius", "banktransfer"}
# Methods that are a network of banks: the consumer picks one (the issuer) unless the payment names it.
ISSUERS = {"kbc": ("kbc", "cbc")}
LOCALES = {
    "en_US", "en_GB", "nl_NL", "nl_BE", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_BE", "es_ES", "ca_ES",
    "pt_PT", "it_IT", "nb_NO", "sv_SE", "fi_FI", "da_DK", "is_IS", "hu_HU", "pl_PL", "lv_LV", "lt_LT",
}  # fmt: skip
SEQUENCE_TYPES = ("oneoff", "first", "recurring")
# How long a payment stays open before Mollie expires it; a bank transfer waits for the money.
EXPIRY = {
    "creditcard": timedelta(minutes=30),
    "bancontact": timedelta(minutes=15),
    "kbc": timedelta(minutes=60),
    "belfius": timedelta(minutes=60),
    "applepay": timedelta(minutes=30),
    "paypal": timedelta(hours=3),
    "banktransfer": timedelta(days=12),
    # A terminal gives up on a card that is never presented; the customer has walked away.
    "pointofsale": timedelta(minutes=5),
    "": timedelta(minutes=30),
}
# Statuses a tester (or a test) may set; "authorized" needs captures, which the sandbox lacks.
SETTABLE = {"open", "pending", "paid", "failed", "canceled", "expired"}
# What Mollie's test mode puts in `details` once a payment is paid, per method.
PAID_DETAILS: dict[str, dict[str, str]] = {
    "creditcard": {
        "cardHolder": "T. TEST",
        "cardNumber": "6787",
        "cardLabel": "Mastercard",
        "cardCountryCode": "BE",
        "cardSecurity": "normal",
        "cardAudience": "consumer",
        "feeRegion": "intra-eu",
    },
    "bancontact": {
        "cardNumber": "6787",
        "consumerName": "T. TEST",
        "consumerAccount": "BE68539007547034",
        "consumerBic": "BBRUBEBB",
    },
    "applepay": {
        "cardHolder": "T. TEST",
        "cardNumber": "4242",
        "cardLabel": "Visa",
        "cardCountryCode": "BE",
        "cardSecurity": "normal",
        "cardAudience": "consumer",
        "feeRegion": "intra-eu",
        "wallet": "applepay",
    },
    # The payment buttons pay from the consumer's account at the bank (its BIC says which).
    "kbc": {"consumerName": "T. TEST", "consumerAccount": "BE68539007547034", "consumerBic": "KREDBEBB"},
    "cbc": {"consumerName": "T. TEST", "consumerAccount": "BE68539007547034", "consumerBic": "CREGBEBB"},
    "belfius": {"consumerName": "T. TEST", "consumerAccount": "BE68539007547034", "consumerBic": "GKCCBEBB"},
    "paypal": {
        "consumerName": "T. TEST",
        "consumerAccount": "test@example.com",
        "paypalReference": "SANDBOX",
    },
    "banktransfer": {
        "consumerName": "T. TEST",
        "consumerAccount": "BE68539007547034",
        "consumerBic": "BBRUBEBB",
    },
    "directdebit": {
        "consumerName": "T. TEST",
        "consumerAccount": "BE68539007547034",
        "consumerBic": "BBRUBEBB",
    },
    # A contactless Bancontact card on the terminal (the terminal's id is added when it is paid).
    "pointofsale": {
        "cardNumber": "6787",
        "maskedNumber": "**** **** **** 6787",
        "cardLabel": "Bancontact",
        "cardAudience": "consumer",
        "cardFunding": "debit",
        "cardEntryMode": "contactless",
        "cardReadMethod": "nfc",
        "cardVerificationMethod": "no-cvm",
    },
}
# The mandate a paid first payment leaves behind, as at Mollie: Bancontact gives a SEPA direct debit.
MANDATE_METHODS = {"creditcard": "creditcard", "bancontact": "directdebit", "paypal": "paypal"}
MANDATE_DETAILS: dict[str, dict[str, str]] = {
    "creditcard": {
        "cardHolder": "T. TEST",
        "cardNumber": "6787",
        "cardLabel": "Mastercard",
        "cardExpiryDate": "2030-12-31",
    },
    "directdebit": {"consumerName": "T. TEST", "consumerAccount": "BE68539007547034", "consumerBic": "BBRUBEBB"},
    "paypal": {"consumerName": "T. TEST", "consumerAccount": "test@example.com"},
}
MAX_METADATA_BYTES = 1024
AMOUNT_VALUE = re.compile(r"^[0-9]{1,10}\.[0-9]{2}$")  # not \d: Decimal() reads Arabic-Indic digits too
CURRENCY = re.compile(r"^[A-Z]{3}$")
CUSTOMER_ID = re.compile(r"^cst_\w+$", re.ASCII)
MANDATE_ID = re.compile(r"^mdt_\w+$", re.ASCII)


class ApiError(Exception):
    """A refusal in Mollie's terms: HTTP status, human detail and, for 422, the offending field."""

    TITLES = {
        400: "Bad Request",
        401: "Unauthorized Request",
        404: "Not Found",
        405: "Method Not Allowed",
        409: "Conflict",
        422: "Unprocessable Entity",
    }

    def __init__(self, status: int, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field

    @property
    def title(self) -> str:
        return self.TITLES.get(self.status, "Error")


def new_id(prefix: str) -> str:
    return prefix + get_random_string(10)


def get_payment(payment_id: str) -> SandboxPayment:
    """The payment, expired first if its time ran out while nobody looked (Mollie's clock runs on)."""
    payment = SandboxPayment.objects.filter(public_id=payment_id).first()
    if payment is None:
        raise ApiError(404, f"No payment exists with token {payment_id}.")
    if payment.status == SandboxPayment.OPEN and payment.expires_at and payment.expires_at <= clock.now():
        _expire(payment.public_id)
        payment.refresh_from_db()
    return payment


def expire_overdue() -> None:
    overdue = SandboxPayment.objects.filter(status=SandboxPayment.OPEN, expires_at__lte=clock.now())
    for payment_id in list(overdue.values_list("public_id", flat=True)):
        _expire(payment_id)


def _expire(payment_id: str) -> None:
    # Decided by the consumer in the meantime: that outcome stands.
    with contextlib.suppress(ApiError):
        set_status(payment_id, SandboxPayment.EXPIRED)


# --- Creating payments


def create_payment(data: dict[str, Any]) -> SandboxPayment:
    """Validate a POST /v2/payments body as Mollie does and store the new payment."""
    value, currency = parse_amount(data.get("amount"))
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ApiError(422, "The description is invalid", field="description")
    if len(description) > 255:
        raise ApiError(422, "The description must not exceed 255 characters", field="description")
    sequence_type = data.get("sequenceType") or "oneoff"
    if sequence_type not in SEQUENCE_TYPES:
        raise ApiError(422, "The sequence type is invalid", field="sequenceType")
    method = data.get("method") or ""
    if method and method not in METHODS:
        raise ApiError(422, "The payment method is invalid", field="method")
    if method in EURO_ONLY_METHODS and currency != "EUR":
        raise ApiError(422, f"The payment method {method} only accepts EUR", field="method")
    issuer = _issuer(data.get("issuer"), method)
    # A recurring payment is charged on a mandate, so the consumer never sees a checkout to return from.
    redirect_url = _url(data, "redirectUrl", required=sequence_type != "recurring" and method != POINT_OF_SALE)
    terminal_id = _terminal_for(data, method, currency)
    customer_id = _optional_id(data, "customerId", CUSTOMER_ID)
    mandate_id = _optional_id(data, "mandateId", MANDATE_ID)
    if sequence_type != "oneoff" and not customer_id:
        raise ApiError(422, "A customer is required for first and recurring payments", field="customerId")
    locale = data.get("locale") or ""
    if locale and locale not in LOCALES:
        raise ApiError(422, "The locale is invalid", field="locale")
    # A customer created through the sandbox's customers API gets Mollie's mandate rules; an id the
    # sandbox never issued is taken on trust, as before that API existed.
    customer = SandboxCustomer.objects.filter(public_id=customer_id).first() if customer_id else None
    mandate = None
    if customer is not None and sequence_type == "first" and method and method not in MANDATE_METHODS:
        raise ApiError(422, f"The payment method {method} cannot be used for a first payment", field="method")
    if customer is not None and sequence_type == "recurring":
        mandate = _chargeable_mandate(customer, mandate_id)
        mandate_id, method = mandate.public_id, mandate.method
    now = clock.now()
    payment = SandboxPayment(
        public_id=new_id("tr_"),
        created_at=now,
        amount_value=value,
        currency=currency,
        description=description,
        method=method,
        metadata=_metadata(data),
        locale=locale,
        redirect_url=redirect_url,
        cancel_url=_url(data, "cancelUrl", required=False),
        webhook_url=_url(data, "webhookUrl", required=False),
        sequence_type=sequence_type,
        customer_id=customer_id,
        mandate_id=mandate_id,
        issuer=issuer,
        terminal_id=terminal_id,
    )
    if terminal_id:
        payment.details = {"terminalId": terminal_id}
    if sequence_type == "recurring":
        # Mollie charges the mandate straight away; the outcome arrives later by webhook.
        payment.status = SandboxPayment.PENDING
        payment.mandate_id = mandate_id or new_id("mdt_")
    else:
        payment.expires_at = now + EXPIRY[method]
    if method == "banktransfer":
        payment.details, payment.transfer_reference = bank_transfer_details()
    payment.save()
    if mandate is not None:
        # Mollie charges the mandate and reports the outcome a moment later, by webhook.
        payment_id = payment.public_id
        enqueue_with_transaction(settle_recurring, payment_id)
    return payment


def _issuer(raw: object, method: str) -> str:
    """The bank of a KBC/CBC payment, when the payment names it up front (else the checkout asks)."""
    if raw in (None, ""):
        return ""
    if method and method not in ISSUERS:
        raise ApiError(422, f"The payment method {method} has no issuers", field="issuer")
    allowed = {issuer for issuers in ISSUERS.values() for issuer in issuers}
    if not isinstance(raw, str) or raw not in allowed:
        raise ApiError(422, "The issuer is invalid", field="issuer")
    return raw


def _terminal_for(data: dict[str, Any], method: str, currency: str) -> str:
    """The active terminal a point-of-sale payment is started on (required for that method only)."""
    raw = data.get("terminalId")
    if method != POINT_OF_SALE:
        if raw not in (None, ""):
            raise ApiError(422, "A terminal can only be given for point-of-sale payments", field="terminalId")
        return ""
    if not isinstance(raw, str) or not TERMINAL_ID.match(raw):
        raise ApiError(422, "The terminal id is required for point-of-sale payments", field="terminalId")
    ensure_terminals()
    terminal = SandboxTerminal.objects.filter(public_id=raw).first()
    if terminal is None:
        raise ApiError(422, "The terminal does not exist", field="terminalId")
    if terminal.status != SandboxTerminal.ACTIVE:
        raise ApiError(422, "The terminal is not active", field="terminalId")
    if terminal.currency != currency:
        raise ApiError(422, f"The terminal only accepts {terminal.currency}", field="amount.currency")
    return raw


def _chargeable_mandate(customer: SandboxCustomer, mandate_id: str) -> SandboxMandate:
    mandates = customer.mandates.filter(status=SandboxMandate.VALID)
    mandate = mandates.filter(public_id=mandate_id).first() if mandate_id else mandates.first()
    if mandate is None:
        if mandate_id:
            raise ApiError(422, "The mandate is invalid or does not belong to this customer", field="mandateId")
        raise ApiError(422, "No suitable mandates found for customer", field="customerId")
    return mandate


def parse_amount(raw: object, field: str = "amount") -> tuple[Decimal, str]:
    if not isinstance(raw, dict):
        raise ApiError(422, "The amount is required", field=field)
    currency, value = raw.get("currency"), raw.get("value")
    if not isinstance(currency, str) or not CURRENCY.match(currency):
        raise ApiError(422, "The currency is invalid", field=f"{field}.currency")
    # Mollie wants a string with exactly two decimals, never a JSON number.
    if not isinstance(value, str) or not AMOUNT_VALUE.match(value):
        raise ApiError(422, "The amount contains an invalid value", field=f"{field}.value")
    amount = Decimal(value)
    if amount <= 0:
        raise ApiError(422, "The amount is lower than the minimum", field=field)
    return amount, currency


def _url(data: dict[str, Any], name: str, *, required: bool) -> str:
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise ApiError(422, f"The {name} is required", field=name)
        return ""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc or len(value) > 2000:
        raise ApiError(422, f"The {name} is invalid", field=name)
    return str(value)


def _optional_id(data: dict[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    value = data.get(name) or ""
    if value and (not isinstance(value, str) or not pattern.match(value)):
        raise ApiError(422, f"The {name} is invalid", field=name)
    return str(value)


def _metadata(data: dict[str, Any]) -> Any:
    metadata = data.get("metadata")
    if len(json.dumps(metadata).encode()) > MAX_METADATA_BYTES:
        raise ApiError(422, "The metadata is too large, it may be at most 1024 bytes", field="metadata")
    return metadata


def bank_transfer_details() -> tuple[dict[str, str], str]:
    """Where to pay (the configured IBAN/BIC) and a fresh Belgian structured reference."""
    for _ in range(10):
        reference = make_structured_reference(secrets.randbelow(10**10))
        if not SandboxPayment.objects.filter(transfer_reference=reference).exists():
            break
    details = {
        # The account holder the consumer pays, as Mollie names its own account in test mode.
        "bankName": getattr(settings, "BANK_TRANSFER_BANK_NAME", "Stichting Mollie Payments"),
        "bankAccount": settings.BANK_TRANSFER_IBAN.replace(" ", "").upper(),
        "bankBic": settings.BANK_TRANSFER_BIC,
        "transferReference": reference,
    }
    return details, reference


# --- Changing payments


def set_status(payment_id: str, status: str) -> SandboxPayment:
    """Move a payment to `status` and queue its webhook; what the hosted checkout and testers use.

    Setting the status a payment already has changes nothing and sends no webhook."""
    if status not in SETTABLE:
        raise ApiError(422, f"The status {status!r} cannot be set", field="status")
    with transaction.atomic():
        payment = SandboxPayment.objects.select_for_update().filter(public_id=payment_id).first()
        if payment is None:
            raise ApiError(404, f"No payment exists with token {payment_id}.")
        if payment.status == status:
            return payment
        if payment.is_final:
            raise ApiError(422, f"The payment is already {payment.status}", field="status")
        now = clock.now()
        payment.status = status
        payment.status_changes += 1  # under the row lock: numbers this change's webhook delivery
        if status == SandboxPayment.PAID:
            # Mollie always knows how a paid payment was paid.
            payment.method = payment.method or "creditcard"
            payment.details = {**PAID_DETAILS[payment.issuer or payment.method], **(payment.details or {})}
            payment.paid_at = now
            if payment.sequence_type == "first" and not payment.mandate_id:
                payment.mandate_id = new_id("mdt_")
            if payment.sequence_type == "first":
                _create_mandate(payment)
        elif status == SandboxPayment.FAILED:
            payment.failed_at = now
        elif status == SandboxPayment.CANCELED:
            payment.canceled_at = now
        elif status == SandboxPayment.EXPIRED:
            payment.expired_at = now
        payment.save()
        _queue_webhook(payment)
    return payment


def choose_method(payment_id: str, method: str) -> SandboxPayment:
    """The consumer picked a method on the hosted checkout of a payment created without one."""
    if method not in METHODS:
        raise ApiError(422, "The payment method is invalid", field="method")
    with transaction.atomic():
        payment = SandboxPayment.objects.select_for_update().filter(public_id=payment_id).first()
        if payment is None:
            raise ApiError(404, f"No payment exists with token {payment_id}.")
        if payment.method or payment.status != SandboxPayment.OPEN:
            return payment
        if method in EURO_ONLY_METHODS and payment.currency != "EUR":
            raise ApiError(422, f"The payment method {method} only accepts EUR", field="method")
        payment.method = method
        payment.expires_at = clock.now() + EXPIRY[method]
        if method == "banktransfer":
            payment.details, payment.transfer_reference = bank_transfer_details()
        payment.save()
    return payment


def choose_issuer(payment_id: str, issuer: str) -> SandboxPayment:
    """The consumer picked their bank on the hosted checkout of a KBC/CBC payment created without one."""
    with transaction.atomic():
        payment = SandboxPayment.objects.select_for_update().filter(public_id=payment_id).first()
        if payment is None:
            raise ApiError(404, f"No payment exists with token {payment_id}.")
        if issuer not in ISSUERS.get(payment.method, ()):
            raise ApiError(422, "The issuer is invalid", field="issuer")
        if payment.issuer or payment.status != SandboxPayment.OPEN:
            return payment
        payment.issuer = issuer
        payment.save(update_fields=["issuer"])
    return payment


def needs_issuer(payment: SandboxPayment) -> bool:
    return payment.method in ISSUERS and not payment.issuer


def is_cancelable(payment: SandboxPayment) -> bool:
    # At Mollie only methods that wait on the consumer for days, like bank transfer, can be canceled,
    # and a point-of-sale payment while the terminal still waits for the card.
    return payment.status == SandboxPayment.OPEN and payment.method in {"banktransfer", POINT_OF_SALE}


def cancel_payment(payment_id: str) -> SandboxPayment:
    payment = get_payment(payment_id)
    if not is_cancelable(payment):
        raise ApiError(422, "The payment cannot be canceled")
    return set_status(payment_id, SandboxPayment.CANCELED)


def _queue_webhook(payment: SandboxPayment) -> None:
    if payment.webhook_url:
        payment_id, status_change = payment.public_id, payment.status_changes
        enqueue_with_transaction(deliver_webhook, payment_id, status_change=status_change)


# --- Refunds


def amount_refunded(payment: SandboxPayment) -> Decimal:
    """What the payment's refunds give back, or are about to (failed and canceled ones do not count)."""
    refunds = payment.refunds.exclude(status__in=SandboxRefund.UNSUCCESSFUL)
    total = refunds.aggregate(total=Sum("amount_value"))["total"]
    return total or Decimal("0.00")


def create_refund(payment_id: str, data: dict[str, Any]) -> SandboxRefund:
    """POST /v2/payments/{id}/refunds. The refund starts pending (queued when the tester chose so) and,
    unless the tester holds it, ends a moment later as the payment's refund outcome says."""
    with transaction.atomic():
        payment = SandboxPayment.objects.select_for_update().filter(public_id=payment_id).first()
        if payment is None:
            raise ApiError(404, f"No payment exists with token {payment_id}.")
        if payment.status != SandboxPayment.PAID:
            raise ApiError(422, "The payment cannot be refunded because it has not been paid")
        value, currency = parse_amount(data.get("amount"))
        if currency != payment.currency:
            raise ApiError(422, "The currency must match the payment's currency", field="amount.currency")
        if value > payment.amount_value - amount_refunded(payment):
            raise ApiError(422, "The amount is higher than the amount that can still be refunded", field="amount")
        description = data.get("description") or ""
        if not isinstance(description, str) or len(description) > 140:
            raise ApiError(422, "The description is invalid", field="description")
        queued = payment.refund_outcome == SandboxRefund.QUEUED
        refund = SandboxRefund.objects.create(
            public_id=new_id("re_"),
            payment=payment,
            created_at=clock.now(),
            status=SandboxRefund.QUEUED if queued else SandboxRefund.PENDING,
            amount_value=value,
            currency=currency,
            description=description,
            metadata=_metadata(data),
        )
        if payment.refund_outcome in {SandboxRefund.REFUNDED, SandboxRefund.FAILED}:
            refund_id = refund.public_id
            enqueue_with_transaction(settle_refund, payment_id, refund_id)
    return refund


def get_refund(payment_id: str, refund_id: str) -> SandboxRefund:
    refund = (
        SandboxRefund.objects.select_related("payment")
        .filter(payment__public_id=payment_id, public_id=refund_id)
        .first()
    )
    if refund is None:
        get_payment(payment_id)  # 404 for the payment first, as Mollie answers
        raise ApiError(404, f"No refund exists with token {refund_id}.")
    return refund


def set_refund_status(payment_id: str, refund_id: str, status: str) -> SandboxRefund:
    """Move a refund on (what the auto-settling job and the tester do) and call the payment's webhook,
    as Mollie does when a refund's status changes. Setting the status it has changes nothing."""
    with transaction.atomic():
        payment = SandboxPayment.objects.select_for_update().filter(public_id=payment_id).first()
        refund = payment.refunds.filter(public_id=refund_id).first() if payment is not None else None
        if payment is None or refund is None:
            raise ApiError(404, f"No refund exists with token {refund_id}.")
        if refund.status == status:
            return refund
        if status not in SandboxRefund.NEXT.get(refund.status, set()):
            raise ApiError(422, f"The refund is {refund.status} and cannot become {status!r}", field="status")
        refund.status = status
        refund.save(update_fields=["status"])
        payment.status_changes += 1  # a delivery of its own for the payment's webhook
        payment.save(update_fields=["status_changes"])
        _queue_webhook(payment)
    return refund


def cancel_refund(payment_id: str, refund_id: str) -> SandboxRefund:
    """DELETE /v2/payments/{id}/refunds/{id}: only while the refund is queued or pending, as at Mollie."""
    refund = get_refund(payment_id, refund_id)
    if refund.status not in SandboxRefund.CANCELABLE:
        raise ApiError(422, f"The refund cannot be canceled because it is {refund.status}")
    return set_refund_status(payment_id, refund_id, SandboxRefund.CANCELED)


def settle_pending_refund(payment_id: str, refund_id: str) -> SandboxRefund | None:
    """A pending refund ends as its payment's refund outcome says (what the job runs)."""
    refund = SandboxRefund.objects.select_related("payment").filter(public_id=refund_id).first()
    if refund is None or refund.status != SandboxRefund.PENDING:
        return refund
    outcome = refund.payment.refund_outcome
    if outcome not in {SandboxRefund.REFUNDED, SandboxRefund.FAILED}:
        return refund  # the tester holds it
    return set_refund_status(payment_id, refund_id, outcome)


def set_refund_outcome(payment_id: str, outcome: str) -> SandboxPayment:
    """The tester decides how the payment's next refunds go."""
    if outcome not in {value for value, _ in SandboxPayment.REFUND_OUTCOMES}:
        raise ApiError(422, f"The refund outcome {outcome!r} cannot be set", field="outcome")
    payment = get_payment(payment_id)
    payment.refund_outcome = outcome
    payment.save(update_fields=["refund_outcome"])
    return payment


# --- Customers and mandates


def _create_mandate(payment: SandboxPayment) -> None:
    customer = SandboxCustomer.objects.filter(public_id=payment.customer_id).first()
    method = MANDATE_METHODS.get(payment.method)
    if customer is None or method is None:
        return
    SandboxMandate.objects.get_or_create(
        public_id=payment.mandate_id,
        defaults={
            "customer": customer,
            "created_at": clock.now(),
            "method": method,
            "details": MANDATE_DETAILS[method],
        },
    )


def create_customer(data: dict[str, Any]) -> SandboxCustomer:
    name, email = data.get("name") or "", data.get("email") or ""
    if not isinstance(name, str) or len(name) > 255:
        raise ApiError(422, "The name is invalid", field="name")
    if not isinstance(email, str) or len(email) > 254 or (email and "@" not in email):
        raise ApiError(422, "The email is invalid", field="email")
    locale = data.get("locale") or ""
    if locale and locale not in LOCALES:
        raise ApiError(422, "The locale is invalid", field="locale")
    return SandboxCustomer.objects.create(
        public_id=new_id("cst_"),
        created_at=clock.now(),
        name=name,
        email=email,
        locale=locale,
        metadata=_metadata(data),
    )


def get_customer(customer_id: str) -> SandboxCustomer:
    customer = SandboxCustomer.objects.filter(public_id=customer_id).first()
    if customer is None:
        raise ApiError(404, f"No customer exists with token {customer_id}.")
    return customer


def get_mandate(customer_id: str, mandate_id: str) -> SandboxMandate:
    mandate = get_customer(customer_id).mandates.filter(public_id=mandate_id).first()
    if mandate is None:
        raise ApiError(404, f"No mandate exists with token {mandate_id}.")
    return mandate


def revoke_mandate(customer_id: str, mandate_id: str) -> SandboxMandate:
    mandate = get_mandate(customer_id, mandate_id)
    if mandate.status != SandboxMandate.INVALID:
        mandate.status = SandboxMandate.INVALID
        mandate.save(update_fields=["status"])
    return mandate


def set_next_charge_outcome(mandate_id: str, outcome: str) -> SandboxMandate:
    """The tester decides how the next recurring charges on a mandate end (paid or failed)."""
    if outcome not in {value for value, _ in SandboxMandate.OUTCOME_CHOICES}:
        raise ApiError(422, f"The outcome {outcome!r} cannot be set", field="outcome")
    mandate = SandboxMandate.objects.filter(public_id=mandate_id).first()
    if mandate is None:
        raise ApiError(404, f"No mandate exists with token {mandate_id}.")
    mandate.next_charge_outcome = outcome
    mandate.save(update_fields=["next_charge_outcome"])
    return mandate


def settle(payment_id: str) -> SandboxPayment | None:
    """A pending recurring charge ends as its mandate's next outcome says (what the job runs)."""
    payment = SandboxPayment.objects.filter(public_id=payment_id).first()
    if payment is None or payment.status != SandboxPayment.PENDING or payment.sequence_type != "recurring":
        return payment
    mandate = SandboxMandate.objects.filter(public_id=payment.mandate_id).first()
    if mandate is None:
        return payment  # a mandate the sandbox never issued: a tester marks it paid by hand
    outcome = mandate.next_charge_outcome if mandate.status == SandboxMandate.VALID else SandboxPayment.FAILED
    return set_status(payment_id, outcome)


# --- Point-of-sale terminals

# The sandbox account's terminals, created the first time anyone asks: fixed ids, so that a demo or a
# test can assign them to counters and kiosks before the first payment.
DEFAULT_TERMINALS = (
    ("term_sandbox0001", "PAX", "A920 Pro", "1850000001", SandboxTerminal.ACTIVE, "Counter 1"),
    ("term_sandbox0002", "PAX", "A920 Pro", "1850000002", SandboxTerminal.ACTIVE, "Counter 2"),
    ("term_sandbox0003", "PAX", "IM30", "1850000003", SandboxTerminal.ACTIVE, "Kiosk reader 1"),
    ("term_sandbox0004", "PAX", "IM30", "1850000004", SandboxTerminal.ACTIVE, "Kiosk reader 2"),
    ("term_sandbox0005", "PAX", "A35", "1850000005", SandboxTerminal.INACTIVE, "Spare (switched off)"),
)


def ensure_terminals() -> None:
    if SandboxTerminal.objects.exists():
        return
    now = clock.now()
    SandboxTerminal.objects.bulk_create(
        [
            SandboxTerminal(
                public_id=public_id,
                brand=brand,
                model=model,
                serial_number=serial,
                status=status,
                description=description,
                created_at=now,
                updated_at=now,
            )
            for public_id, brand, model, serial, status, description in DEFAULT_TERMINALS
        ],
        ignore_conflicts=True,  # two first requests at once
    )


def get_terminal(terminal_id: str) -> SandboxTerminal:
    ensure_terminals()
    terminal = SandboxTerminal.objects.filter(public_id=terminal_id).first()
    if terminal is None:
        raise ApiError(404, f"No terminal exists with token {terminal_id}.")
    return terminal


def waiting_on(terminal: SandboxTerminal) -> SandboxPayment | None:
    """The point-of-sale payment the terminal shows: the oldest one still open on it."""
    expire_overdue()
    open_here = SandboxPayment.objects.filter(
        terminal_id=terminal.public_id, method=POINT_OF_SALE, status=SandboxPayment.OPEN
    )
    return open_here.order_by("pk").first()


# What the customer does at the terminal, as the tester presses it on the terminal's screen page.
TERMINAL_ACTIONS = {"approve": SandboxPayment.PAID, "decline": SandboxPayment.FAILED, "abandon": SandboxPayment.EXPIRED}


def act_on_terminal(terminal_id: str, payment_id: str, action: str) -> SandboxPayment:
    status = TERMINAL_ACTIONS.get(action)
    if status is None:
        raise ApiError(422, f"The action {action!r} is unknown", field="action")
    payment = get_payment(payment_id)
    if payment.terminal_id != terminal_id or payment.method != POINT_OF_SALE:
        raise ApiError(404, f"No payment {payment_id} is waiting on terminal {terminal_id}.")
    return set_status(payment_id, status)
