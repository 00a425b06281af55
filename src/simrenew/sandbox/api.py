"""The part of Mollie's v2 payments API that simrenew uses, as csrf-exempt JSON views.

Only test API keys get in. POST and DELETE honour the Idempotency-Key header: the same key with the
same request replays the stored answer (with `Idempotent-Replayed: true`), the same key with another
request is refused with 422, and keys are forgotten after an hour, as at Mollie.
"""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from simrenew.kit import clock, parse
from simrenew.sandbox import hal, service
from simrenew.sandbox.models import SandboxCustomer, SandboxIdempotencyKey, SandboxPayment, SandboxTerminal
from simrenew.sandbox.service import ApiError

TEST_KEY = re.compile(r"^test_\w+$", re.ASCII)
IDEMPOTENCY_TTL = timedelta(hours=1)
MAX_LIMIT = 250

Result = tuple[int, hal.Json]
Handler = Callable[..., Result]


def api_view(handlers: dict[str, Handler]) -> Callable[..., HttpResponse]:
    """One URL of the API: authenticate, dispatch on the HTTP method, answer in Mollie's shapes."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: str) -> HttpResponse:
        try:
            api_key = authenticate(request)
            handler = handlers.get(request.method or "")
            if handler is None:
                raise ApiError(405, f"The {request.method} method is not supported for this resource")
            if request.method in {"POST", "DELETE"} and request.headers.get("Idempotency-Key"):
                return idempotent(request, api_key, lambda: handler(request, **kwargs))
            status, payload = handler(request, **kwargs)
            return hal.response(status, payload)
        except ApiError as error:
            return error_response(error)

    return view


def error_response(error: ApiError) -> HttpResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="Mollie sandbox"'} if error.status == 401 else None
    return hal.response(error.status, hal.error_json(error), headers)


def authenticate(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Missing authentication, or failed to authenticate")
    if token.startswith("live_"):
        raise ApiError(401, "The payment sandbox accepts test API keys only, never a live key")
    if not TEST_KEY.match(token):
        raise ApiError(401, "Missing authentication, or failed to authenticate")
    return token


def idempotent(request: HttpRequest, api_key: str, run: Callable[[], Result]) -> HttpResponse:
    key = request.headers["Idempotency-Key"]
    scope = _sha256(f"{api_key}\n{key}")
    fingerprint = _sha256(f"{request.method}\n{request.path}\n{_canonical_body(request)}")
    try:
        with transaction.atomic():
            SandboxIdempotencyKey.objects.filter(created_at__lt=clock.now() - IDEMPOTENCY_TTL).delete()
            stored = SandboxIdempotencyKey.objects.filter(scope=scope).first()
            if stored is None:
                # Refusals are not stored: a corrected request may reuse the key, as at Mollie.
                status, payload = run()
                SandboxIdempotencyKey.objects.create(
                    scope=scope,
                    fingerprint=fingerprint,
                    status_code=status,
                    response=payload,
                    created_at=clock.now(),
                )
                return hal.response(status, payload)
    except IntegrityError:
        # A concurrent request with the same key committed first; answer as its replay.
        stored = SandboxIdempotencyKey.objects.filter(scope=scope).first()
        if stored is None:
            raise
    if stored.fingerprint != fingerprint:
        raise ApiError(
            422,
            "The Idempotency-Key was already used for a different request; use a new key for a new request",
        )
    return hal.response(stored.status_code, stored.response, {"Idempotent-Replayed": "true"})


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical_body(request: HttpRequest) -> str:
    # Compare meaning, not bytes: the same JSON with keys in another order is the same request.
    try:
        return json.dumps(json.loads(request.body or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return request.body.decode("utf-8", "replace")


def _body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object")
    if parse.has_unstorable_text(data):
        raise ApiError(400, "The request body contains a null character or an unpaired surrogate")
    return data


def _limit(request: HttpRequest) -> int:
    """The `limit` query parameter: ASCII digits from 1 to MAX_LIMIT, 50 when absent."""
    limit = parse.whole_number_or_none(request.GET.get("limit") or "50", minimum=1, maximum=MAX_LIMIT)
    if limit is None:
        raise ApiError(400, f"The limit must be a number between 1 and {MAX_LIMIT}", field="limit")
    return limit


# --- Payments


def list_payments(request: HttpRequest) -> Result:
    """Newest first, with Mollie's cursor: `from` names the first payment of the page."""
    service.expire_overdue()
    limit = _limit(request)
    page = SandboxPayment.objects.order_by("-pk")
    start = request.GET.get("from") or ""
    previous_id = None
    if start:
        anchor = SandboxPayment.objects.filter(public_id=start).first()
        if anchor is None:
            raise ApiError(400, f"No payment exists with token {start}.", field="from")
        page = page.filter(pk__lte=anchor.pk)
        before = list(SandboxPayment.objects.filter(pk__gt=anchor.pk).order_by("pk")[:limit])
        previous_id = before[-1].public_id if before else None
    items = list(page[: limit + 1])
    next_id = items[limit].public_id if len(items) > limit else None
    base = hal.url(request, "api_payments")

    def page_link(from_id: str | None) -> hal.Json | None:
        if from_id is None:
            return None
        return hal.link(f"{base}?{urlencode({'from': from_id, 'limit': limit})}")

    links = {
        "self": page_link(start) if start else hal.link(f"{base}?{urlencode({'limit': limit})}"),
        "previous": page_link(previous_id),
        "next": page_link(next_id),
    }
    embedded = [hal.payment_json(request, payment) for payment in items[:limit]]
    return 200, hal.list_json("payments", embedded, links, "list-payments")


def create_payment(request: HttpRequest) -> Result:
    payment = service.create_payment(_body(request))
    return 201, hal.payment_json(request, payment)


def get_payment(request: HttpRequest, payment_id: str) -> Result:
    return 200, hal.payment_json(request, service.get_payment(payment_id))


def cancel_payment(request: HttpRequest, payment_id: str) -> Result:
    return 200, hal.payment_json(request, service.cancel_payment(payment_id))


# --- Refunds


def list_refunds(request: HttpRequest, payment_id: str) -> Result:
    payment = service.get_payment(payment_id)
    limit = _limit(request)
    refunds = [hal.refund_json(request, refund) for refund in payment.refunds.order_by("-pk")[:limit]]
    self_link = hal.link(hal.url(request, "api_refunds", payment_id))
    links = {"self": self_link, "previous": None, "next": None}
    return 200, hal.list_json("refunds", refunds, links, "list-refunds")


def create_refund(request: HttpRequest, payment_id: str) -> Result:
    return 201, hal.refund_json(request, service.create_refund(payment_id, _body(request)))


def get_refund(request: HttpRequest, payment_id: str, refund_id: str) -> Result:
    return 200, hal.refund_json(request, service.get_refund(payment_id, refund_id))


def cancel_refund(request: HttpRequest, payment_id: str, refund_id: str) -> Result:
    service.cancel_refund(payment_id, refund_id)
    return 204, {}


# --- Customers and mandates


def list_customers(request: HttpRequest) -> Result:
    customers = [hal.customer_json(request, c) for c in SandboxCustomer.objects.order_by("-pk")[:MAX_LIMIT]]
    links = {"self": hal.link(hal.url(request, "api_customers")), "previous": None, "next": None}
    return 200, hal.list_json("customers", customers, links, "list-customers")


def create_customer(request: HttpRequest) -> Result:
    return 201, hal.customer_json(request, service.create_customer(_body(request)))


def get_customer(request: HttpRequest, customer_id: str) -> Result:
    return 200, hal.customer_json(request, service.get_customer(customer_id))


def list_mandates(request: HttpRequest, customer_id: str) -> Result:
    customer = service.get_customer(customer_id)
    mandates = [hal.mandate_json(request, m) for m in customer.mandates.order_by("-pk")]
    links = {"self": hal.link(hal.url(request, "api_mandates", customer_id)), "previous": None, "next": None}
    return 200, hal.list_json("mandates", mandates, links, "list-mandates")


def get_mandate(request: HttpRequest, customer_id: str, mandate_id: str) -> Result:
    return 200, hal.mandate_json(request, service.get_mandate(customer_id, mandate_id))


def revoke_mandate(request: HttpRequest, customer_id: str, mandate_id: str) -> Result:
    service.revoke_mandate(customer_id, mandate_id)
    return 204, {}


def list_customer_payments(request: HttpRequest, customer_id: str) -> Result:
    """The customer's payments, newest first (one page of up to `limit`)."""
    service.get_customer(customer_id)
    limit = _limit(request)
    items = SandboxPayment.objects.filter(customer_id=customer_id).order_by("-pk")[:limit]
    embedded = [hal.payment_json(request, payment) for payment in items]
    links = {"self": hal.link(hal.url(request, "api_customer_payments", customer_id)), "previous": None, "next": None}
    return 200, hal.list_json("payments", embedded, links, "list-customer-payments")


# --- Point-of-sale terminals


def list_terminals(request: HttpRequest) -> Result:
    """The account's terminals, oldest first, in one page of up to `limit`."""
    service.ensure_terminals()
    limit = _limit(request)
    items = [hal.terminal_json(request, terminal) for terminal in SandboxTerminal.objects.order_by("pk")[:limit]]
    links = {"self": hal.link(hal.url(request, "api_terminals")), "previous": None, "next": None}
    return 200, hal.list_json("terminals", items, links, "list-terminals")


def get_terminal(request: HttpRequest, terminal_id: str) -> Result:
    return 200, hal.terminal_json(request, service.get_terminal(terminal_id))


payments = api_view({"GET": list_payments, "POST": create_payment})
payment = api_view({"GET": get_payment, "DELETE": cancel_payment})
refunds = api_view({"GET": list_refunds, "POST": create_refund})
refund = api_view({"GET": get_refund, "DELETE": cancel_refund})
customers = api_view({"GET": list_customers, "POST": create_customer})
customer = api_view({"GET": get_customer})
mandates = api_view({"GET": list_mandates})
mandate = api_view({"GET": get_mandate, "DELETE": revoke_mandate})
customer_payments = api_view({"GET": list_customer_payments})
terminals = api_view({"GET": list_terminals})
terminal = api_view({"GET": get_terminal})
