"""Mollie's JSON shapes (HAL): payments, refunds, lists and errors, with absolute `_links`.

Links are built from the incoming request, so they point wherever the client reached the sandbox;
the official client follows `next`/`previous` only when they start with its own API endpoint.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from simrenew.sandbox import service
from simrenew.sandbox.models import SandboxCustomer, SandboxMandate, SandboxPayment, SandboxRefund, SandboxTerminal

CONTENT_TYPE = "application/hal+json"
DOCS = "https://docs.mollie.com/reference"
ERROR_DOCS = {401: "https://docs.mollie.com/overview/authentication"}
PROFILE_ID = "pfl_sandbox0001"

Json = dict[str, Any]


def response(status: int, payload: Json, headers: dict[str, str] | None = None) -> HttpResponse:
    if status == 204:
        return HttpResponse(status=204, headers=headers)  # no content, as Mollie answers a DELETE
    # Mollie answers with HAL content; the official client decodes it as UTF-8 because of that type.
    return JsonResponse(payload, status=status, content_type=CONTENT_TYPE, headers=headers)


def error_json(error: service.ApiError) -> Json:
    payload: Json = {"status": error.status, "title": error.title, "detail": error.detail}
    if error.field:
        payload["field"] = error.field
    docs = ERROR_DOCS.get(error.status, "https://docs.mollie.com/overview/handling-errors")
    payload["_links"] = {"documentation": link(docs, "text/html")}
    return payload


def link(href: str, kind: str = CONTENT_TYPE) -> Json:
    return {"href": href, "type": kind}


def url(request: HttpRequest, name: str, *args: str) -> str:
    return request.build_absolute_uri(reverse(f"sandbox:{name}", args=args))


def money(value: Decimal, currency: str) -> Json:
    return {"value": f"{value:.2f}", "currency": currency}


def timestamp(moment: datetime | None) -> str | None:
    # Mollie writes "2024-03-20T13:13:37+00:00": UTC, whole seconds, explicit offset.
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def payment_json(request: HttpRequest, payment: SandboxPayment) -> Json:
    data: Json = {
        "resource": "payment",
        "id": payment.public_id,
        "mode": "test",
        "createdAt": timestamp(payment.created_at),
        "amount": money(payment.amount_value, payment.currency),
        "description": payment.description,
        "method": payment.method or None,
        "metadata": payment.metadata,
        "status": payment.status,
        "profileId": PROFILE_ID,
        "sequenceType": payment.sequence_type,
        "redirectUrl": payment.redirect_url or None,
    }
    # Mollie leaves out what does not apply rather than sending nulls.
    if not payment.is_final:
        data["isCancelable"] = service.is_cancelable(payment)
    optional = {
        "webhookUrl": payment.webhook_url,
        "cancelUrl": payment.cancel_url,
        "locale": payment.locale,
        "customerId": payment.customer_id,
        "mandateId": payment.mandate_id,
        "details": payment.details,
    }
    data.update({key: value for key, value in optional.items() if value})
    if payment.status == SandboxPayment.OPEN:
        data["expiresAt"] = timestamp(payment.expires_at)
    for key, moment in (
        ("paidAt", payment.paid_at),
        ("canceledAt", payment.canceled_at),
        ("expiredAt", payment.expired_at),
        ("failedAt", payment.failed_at),
    ):
        if moment:
            data[key] = timestamp(moment)
    links: Json = {"self": link(url(request, "api_payment", payment.public_id))}
    if payment.status == SandboxPayment.PAID:
        refunded = service.amount_refunded(payment)
        data["amountRefunded"] = money(refunded, payment.currency)
        data["amountRemaining"] = money(payment.amount_value - refunded, payment.currency)
        if refunded:
            links["refunds"] = link(url(request, "api_refunds", payment.public_id))
    if payment.status == SandboxPayment.OPEN and payment.sequence_type != "recurring" and not payment.terminal_id:
        links["checkout"] = link(url(request, "checkout", payment.public_id), "text/html")
    links["dashboard"] = link(f"{url(request, 'payments')}#{payment.public_id}", "text/html")
    links["documentation"] = link(f"{DOCS}/get-payment", "text/html")
    data["_links"] = links
    return data


def refund_json(request: HttpRequest, refund: SandboxRefund) -> Json:
    payment_id = refund.payment.public_id
    return {
        "resource": "refund",
        "id": refund.public_id,
        "amount": money(refund.amount_value, refund.currency),
        "status": refund.status,
        "createdAt": timestamp(refund.created_at),
        "description": refund.description,
        "metadata": refund.metadata,
        "paymentId": payment_id,
        "settlementAmount": money(-refund.amount_value, refund.currency),
        "_links": {
            "self": link(url(request, "api_refund", payment_id, refund.public_id)),
            "payment": link(url(request, "api_payment", payment_id)),
            "documentation": link(f"{DOCS}/get-refund", "text/html"),
        },
    }


def list_json(name: str, items: list[Json], links: Json, documentation: str) -> Json:
    return {
        "count": len(items),
        "_embedded": {name: items},
        "_links": {**links, "documentation": link(f"{DOCS}/{documentation}", "text/html")},
    }


def customer_json(request: HttpRequest, customer: SandboxCustomer) -> Json:
    links: Json = {
        "self": link(url(request, "api_customer", customer.public_id)),
        "dashboard": link(f"{url(request, 'payments')}#{customer.public_id}", "text/html"),
        "documentation": link(f"{DOCS}/get-customer", "text/html"),
    }
    if customer.mandates.exists():
        links["mandates"] = link(url(request, "api_mandates", customer.public_id))
    return {
        "resource": "customer",
        "id": customer.public_id,
        "mode": "test",
        "name": customer.name or None,
        "email": customer.email or None,
        "locale": customer.locale or None,
        "metadata": customer.metadata,
        "createdAt": timestamp(customer.created_at),
        "_links": links,
    }


def mandate_json(request: HttpRequest, mandate: SandboxMandate) -> Json:
    customer_id = mandate.customer.public_id
    return {
        "resource": "mandate",
        "id": mandate.public_id,
        "mode": "test",
        "status": mandate.status,
        "method": mandate.method,
        "details": mandate.details or {},
        "mandateReference": None,
        "signatureDate": mandate.created_at.date().isoformat(),
        "createdAt": timestamp(mandate.created_at),
        "_links": {
            "self": link(url(request, "api_mandate", customer_id, mandate.public_id)),
            "customer": link(url(request, "api_customer", customer_id)),
            "documentation": link(f"{DOCS}/get-mandate", "text/html"),
        },
    }


def terminal_json(request: HttpRequest, terminal: SandboxTerminal) -> Json:
    return {
        "resource": "terminal",
        "id": terminal.public_id,
        "mode": "test",
        "profileId": PROFILE_ID,
        "status": terminal.status,
        "brand": terminal.brand,
        "model": terminal.model,
        "serialNumber": terminal.serial_number,
        "currency": terminal.currency,
        "description": terminal.description,
        "createdAt": timestamp(terminal.created_at),
        "updatedAt": timestamp(terminal.updated_at),
        "_links": {
            "self": link(url(request, "api_terminal", terminal.public_id)),
            "documentation": link(f"{DOCS}/get-terminal", "text/html"),
        },
    }
