"""The sandbox's pages: Mollie's hosted checkout, where the tester picks the outcome, and a list of
all sandbox payments where an open bank transfer can be marked paid later."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from simrenew.kit.money import format_money
from simrenew.sandbox import service
from simrenew.sandbox.models import SandboxMandate, SandboxPayment
from simrenew.sandbox.service import ApiError

# (status, button label): the labels are the buttons' accessible names, which browser tests use.
OUTCOMES = [
    (SandboxPayment.PAID, "Paid"),
    (SandboxPayment.FAILED, "Failed"),
    (SandboxPayment.CANCELED, "Cancelled"),
    (SandboxPayment.EXPIRED, "Expired"),
]
LEAVE_OPEN = (SandboxPayment.OPEN, "Leave open (pay later)")
METHOD_LABELS = {
    "creditcard": "Credit card",
    "bancontact": "Bancontact",
    "paypal": "PayPal",
    "banktransfer": "Bank transfer",
}
LIST_SIZE = 100


def _amount(payment: SandboxPayment) -> str:
    return format_money(int(payment.amount_value * 100), payment.currency, "en")


def _error_page(error: ApiError) -> HttpResponse:
    return HttpResponse(error.detail, status=error.status, content_type="text/plain; charset=utf-8")


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, payment_id: str) -> HttpResponse:
    """GET shows the test payment; POST `method` picks a method, POST `status` decides the outcome
    and sends the browser back to the shop, as Mollie's checkout does."""
    try:
        payment = service.get_payment(payment_id)
        if request.method == "POST":
            if "method" in request.POST:
                service.choose_method(payment_id, request.POST["method"])
                return redirect("sandbox:checkout", payment_id)
            return _decide(request, payment)
    except ApiError as error:
        return _error_page(error)
    outcomes = list(OUTCOMES)
    if payment.method == "banktransfer":
        outcomes.append(LEAVE_OPEN)
    context = {
        "payment": payment,
        "amount": _amount(payment),
        "method_label": METHOD_LABELS.get(payment.method, ""),
        "methods": METHOD_LABELS.items(),
        "outcomes": outcomes,
        "is_open": payment.status == SandboxPayment.OPEN,
    }
    return render(request, "sandbox/checkout.html", context)


def _decide(request: HttpRequest, payment: SandboxPayment) -> HttpResponse:
    status = request.POST.get("status", "")
    allowed = {value for value, _ in OUTCOMES}
    if payment.method == "banktransfer":
        allowed.add(SandboxPayment.OPEN)
    if status not in allowed:
        return HttpResponseBadRequest("Unknown outcome", content_type="text/plain; charset=utf-8")
    if not payment.method:
        return HttpResponseBadRequest("Choose a payment method first", content_type="text/plain; charset=utf-8")
    # Once decided, a payment keeps its outcome; a second click (back button) only goes back to the shop.
    if payment.status == SandboxPayment.OPEN:
        payment = service.set_status(payment.public_id, status)
    target = payment.redirect_url
    if payment.status == SandboxPayment.CANCELED and payment.cancel_url:
        target = payment.cancel_url
    if not target:
        return redirect("sandbox:checkout", payment.public_id)
    # The shop's own URL, given through the API like at Mollie; the sandbox sends the browser there.
    return HttpResponseRedirect(target)


def payment_list(request: HttpRequest) -> HttpResponse:
    service.expire_overdue()
    payments = list(SandboxPayment.objects.prefetch_related("webhook_calls").order_by("-pk")[:LIST_SIZE])
    rows = [
        {
            "payment": payment,
            "amount": _amount(payment),
            "last_webhook": next(iter(payment.webhook_calls.all()), None),
            "can_mark_paid": payment.status in {SandboxPayment.OPEN, SandboxPayment.PENDING},
        }
        for payment in payments
    ]
    mandates = SandboxMandate.objects.select_related("customer").order_by("-pk")[:LIST_SIZE]
    return render(request, "sandbox/payments.html", {"rows": rows, "mandates": mandates})


@require_POST
def mark_paid(request: HttpRequest, payment_id: str) -> HttpResponse:
    """The money of an open bank transfer (or a pending recurring charge) arrived."""
    try:
        service.set_status(payment_id, SandboxPayment.PAID)
    except ApiError as error:
        return _error_page(error)
    return HttpResponseRedirect(f"{reverse('sandbox:payments')}#{payment_id}")


@require_POST
def next_charge(request: HttpRequest, mandate_id: str) -> HttpResponse:
    """The tester decides whether the next recurring charges on a mandate are paid or fail."""
    try:
        service.set_next_charge_outcome(mandate_id, request.POST.get("outcome", ""))
    except ApiError as error:
        return _error_page(error)
    return HttpResponseRedirect(f"{reverse('sandbox:payments')}#{mandate_id}")
