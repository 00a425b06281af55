"""The sandbox's pages: Mollie's hosted checkout, where the tester picks the outcome, and a list of
all sandbox payments where an open bank transfer can be marked paid later."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from simrenew.kit.money import format_money
from simrenew.sandbox import service
from simrenew.sandbox.models import SandboxMandate, SandboxPayment, SandboxRefund, SandboxTerminal
from simrenew.sandbox.service import ApiError

# (status, button label): the labels are the buttons' accessible names, which browser tests use.
OUTCOMES = [
    (SandboxPayment.PAID, _("Paid")),
    (SandboxPayment.FAILED, _("Failed")),
    (SandboxPayment.CANCELED, _("Cancelled")),
    (SandboxPayment.EXPIRED, _("Expired")),
]
LEAVE_OPEN = (SandboxPayment.OPEN, _("Leave open (pay later)"))
METHOD_LABELS = {
    "bancontact": _("Bancontact"),
    "kbc": _("KBC/CBC Payment Button"),
    "belfius": _("Belfius Pay Button"),
    "creditcard": _("Credit card"),
    "applepay": _("Apple Pay"),
    "paypal": _("PayPal"),
    "banktransfer": _("Bank transfer"),
}
ISSUER_LABELS = {"kbc": "KBC", "cbc": "CBC"}
STATUS_LABELS = {
    SandboxPayment.OPEN: _("open"),
    SandboxPayment.PENDING: _("pending"),
    SandboxPayment.AUTHORIZED: _("authorized"),
    SandboxPayment.PAID: _("paid"),
    SandboxPayment.FAILED: _("failed"),
    SandboxPayment.CANCELED: _("cancelled"),
    SandboxPayment.EXPIRED: _("expired"),
}
# The checkout's languages, by the first part of Mollie's locale (nl_BE → nl). Mollie has more
# locales; the sandbox speaks simrenew's five and English for the rest.
CHECKOUT_LANGUAGES = {"en": "en", "nl": "nl", "fr": "fr", "de": "de", "zh": "zh-hans"}
LIST_SIZE = 100


def checkout_language(payment: SandboxPayment, request: HttpRequest) -> str:
    """The payment's locale decides, as at Mollie; without one, the browser's language does."""
    if payment.locale:
        return CHECKOUT_LANGUAGES.get(payment.locale.split("_")[0], "en")
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        language = CHECKOUT_LANGUAGES.get(tag.split("-")[0])
        if language:
            return language
    return "en"


def _amount(payment: SandboxPayment, language: str = "en") -> str:
    return format_money(int(payment.amount_value * 100), payment.currency, language)


def _error_page(error: ApiError) -> HttpResponse:
    return HttpResponse(error.detail, status=error.status, content_type="text/plain; charset=utf-8")


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, payment_id: str) -> HttpResponse:
    """GET shows the test payment; POST `method` picks a method, POST `issuer` the bank of a KBC/CBC
    payment, POST `status` decides the outcome and sends the browser back to the shop, as Mollie's
    checkout does. The page speaks the payment's language (its locale)."""
    try:
        payment = service.get_payment(payment_id)
        if request.method == "POST":
            if "method" in request.POST:
                service.choose_method(payment_id, request.POST["method"])
                return redirect("sandbox:checkout", payment_id)
            if "issuer" in request.POST:
                service.choose_issuer(payment_id, request.POST["issuer"])
                return redirect("sandbox:checkout", payment_id)
            return _decide(request, payment)
    except ApiError as error:
        return _error_page(error)
    language = checkout_language(payment, request)
    outcomes = list(OUTCOMES)
    if payment.method == "banktransfer":
        outcomes.append(LEAVE_OPEN)
    context = {
        "payment": payment,
        "language": language,
        "amount": _amount(payment, language),
        "method_label": METHOD_LABELS.get(payment.method, ""),
        "status_label": STATUS_LABELS.get(payment.status, payment.status),
        "methods": METHOD_LABELS.items(),
        "issuer_label": ISSUER_LABELS.get(payment.issuer, ""),
        "issuers": [(issuer, ISSUER_LABELS[issuer]) for issuer in service.ISSUERS.get(payment.method, ())],
        "needs_issuer": service.needs_issuer(payment),
        "outcomes": outcomes,
        "is_open": payment.status == SandboxPayment.OPEN,
    }
    with translation.override(language):
        response = render(request, "sandbox/checkout.html", context)
    response["Content-Language"] = language
    return response


def _decide(request: HttpRequest, payment: SandboxPayment) -> HttpResponse:
    status = request.POST.get("status", "")
    allowed = {value for value, _ in OUTCOMES}
    if payment.method == "banktransfer":
        allowed.add(SandboxPayment.OPEN)
    if status not in allowed:
        return HttpResponseBadRequest("Unknown outcome", content_type="text/plain; charset=utf-8")
    if not payment.method:
        return HttpResponseBadRequest("Choose a payment method first", content_type="text/plain; charset=utf-8")
    if payment.status == SandboxPayment.OPEN and service.needs_issuer(payment):
        return HttpResponseBadRequest("Choose the bank first", content_type="text/plain; charset=utf-8")
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
    payments = list(SandboxPayment.objects.prefetch_related("webhook_calls", "refunds").order_by("-pk")[:LIST_SIZE])
    rows = [
        {
            "payment": payment,
            "amount": _amount(payment),
            "last_webhook": next(iter(payment.webhook_calls.all()), None),
            "can_mark_paid": payment.status in {SandboxPayment.OPEN, SandboxPayment.PENDING},
            "refunds": [
                {"refund": refund, "amount": _refund_amount(refund), "next": sorted(SandboxRefund.NEXT[refund.status])}
                for refund in payment.refunds.all()
            ],
        }
        for payment in payments
    ]
    mandates = SandboxMandate.objects.select_related("customer").order_by("-pk")[:LIST_SIZE]
    context = {"rows": rows, "mandates": mandates, "refund_outcomes": SandboxPayment.REFUND_OUTCOMES}
    return render(request, "sandbox/payments.html", context)


def _refund_amount(refund: SandboxRefund) -> str:
    return format_money(int(refund.amount_value * 100), refund.currency)


@require_POST
def refund_status(request: HttpRequest, payment_id: str, refund_id: str) -> HttpResponse:
    """The tester moves a refund on (pending, processing, refunded, failed, canceled); the payment's
    webhook is called as at Mollie."""
    try:
        service.set_refund_status(payment_id, refund_id, request.POST.get("status", ""))
    except ApiError as error:
        return _error_page(error)
    return HttpResponseRedirect(f"{reverse('sandbox:payments')}#{refund_id}")


@require_POST
def refund_outcome(request: HttpRequest, payment_id: str) -> HttpResponse:
    """The tester decides how the payment's next refunds go."""
    try:
        service.set_refund_outcome(payment_id, request.POST.get("outcome", ""))
    except ApiError as error:
        return _error_page(error)
    return HttpResponseRedirect(f"{reverse('sandbox:payments')}#{payment_id}")


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


# --- Point-of-sale terminals


TERMINAL_BUTTONS = [("approve", "Approve"), ("decline", "Decline"), ("abandon", "Abandon (timeout)")]


def terminal_list(request: HttpRequest) -> HttpResponse:
    """The sandbox account's card terminals, each with what it is waiting for."""
    service.ensure_terminals()
    rows = []
    for terminal in SandboxTerminal.objects.order_by("pk"):
        waiting = service.waiting_on(terminal)
        rows.append({"terminal": terminal, "waiting": waiting, "amount": _amount(waiting) if waiting else ""})
    return render(request, "sandbox/terminals.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def terminal_screen(request: HttpRequest, terminal_id: str) -> HttpResponse:
    """What the terminal shows: the amount it waits for, and the customer's card as three buttons.
    While it waits for nothing, the page reloads itself to pick up the next payment."""
    try:
        terminal = service.get_terminal(terminal_id)
        if request.method == "POST":
            done = service.act_on_terminal(terminal_id, request.POST.get("payment", ""), request.POST.get("action", ""))
            return HttpResponseRedirect(
                f"{reverse('sandbox:terminal_screen', args=[terminal_id])}?last={done.public_id}"
            )
    except ApiError as error:
        return _error_page(error)
    waiting = service.waiting_on(terminal)
    last = SandboxPayment.objects.filter(public_id=request.GET.get("last", ""), terminal_id=terminal_id).first()
    context = {
        "terminal": terminal,
        "waiting": waiting,
        "amount": _amount(waiting) if waiting else "",
        "buttons": TERMINAL_BUTTONS,
        "last": last,
        "last_amount": _amount(last) if last else "",
    }
    return render(request, "sandbox/terminal_screen.html", context)
