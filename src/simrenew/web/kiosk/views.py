"""The self-service kiosk: touch-first screens for a balance check (number + SMS code), a top-up
or a renewal paid by card or cash, voucher redemption, and a receipt for the kiosk's printer.

A kiosk is shared by strangers: no screen shows more than a masked number, the line travels
between screens as a short-lived signed reference, and after an idle minute the kiosk goes back
to its start screen, which credits any cash a walked-away customer inserted.

Every page opens only on an enrolled screen of its kiosk (web.kiosk.enrolment); every form that
takes money carries a one-time form key (terminals.idempotency), so it takes the money once.
"""

import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from simrenew.brands.models import PaymentMethod
from simrenew.catalog import queries as catalog
from simrenew.catalog.models import Product
from simrenew.kiosks import cashbox
from simrenew.kiosks import pointofsale as kiosk_pos
from simrenew.kiosks import queries as kiosk_queries
from simrenew.kiosks import service as kiosks
from simrenew.kiosks.errors import CodeExpired
from simrenew.kiosks.models import CashSession, Kiosk, Purpose, SessionStatus
from simrenew.kit import clock, parse
from simrenew.kit.codes import constant_time_equal
from simrenew.kit.errors import DomainError
from simrenew.lines import queries as line_queries
from simrenew.lines.models import Line
from simrenew.orders.models import Channel, Order
from simrenew.orders.quotes import quote_order
from simrenew.orders.receipts import typed_code
from simrenew.payments import cash_acceptor, pointofsale, terminal
from simrenew.payments.models import TerminalOutcome, TerminalPayment
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.web.kiosk.enrolment import enrolled_screen, screen
from simrenew.web.kiosk.forms import CodeForm, NumberForm, VoucherForm

ACTIONS = ("balance", "topup", "renew", "voucher")
LINE_REF_SALT = "kiosk-line"
LINE_REF_MAX_AGE = 15 * 60  # seconds a number typed at the kiosk stays usable
DONE_VISIBLE_FOR = 15 * 60
MAX_AMOUNT = 1_000_000  # cents typed in a form or query: far above any top-up or note, far below an overflow
IDLE_AFTER_DEADLINE = 15  # seconds the card waiting screen stays after the payment's deadline
VISIT_KEY = "kiosk_visit"  # in the session: one customer's visit, new at each start screen


def _kiosk(code: str) -> Kiosk:
    try:
        return kiosks.kiosk_by_code(code)
    except DomainError as exc:
        raise Http404() from exc


def _language() -> str:
    return get_language() or "en"


def _page(
    request: HttpRequest, kiosk: Kiosk, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    with translation.override(kiosk.default_language):
        reset_url = reverse("kiosk:start", kwargs={"kiosk": kiosk.code})
    base = {
        "kiosk": kiosk,
        "reset_url": reset_url,
        "idle_seconds": settings.KIOSK_IDLE_SECONDS,
        "sandbox": settings.PAYMENT_SANDBOX,
    }
    return render(request, template, {**base, **context}, status=status)


def line_ref(kiosk: Kiosk, line: Line) -> str:
    return signing.dumps({"k": kiosk.pk, "l": line.pk}, salt=LINE_REF_SALT, compress=True)


def _line_from_ref(kiosk: Kiosk, ref: str) -> Line:
    try:
        data = signing.loads(ref, salt=LINE_REF_SALT, max_age=LINE_REF_MAX_AGE)
    except signing.BadSignature as exc:
        raise Http404() from exc
    if data.get("k") != kiosk.pk:
        raise Http404()
    line = Line.objects.select_related("brand").filter(pk=data.get("l")).first()
    if line is None:
        raise Http404()
    return line


def _error_page(request: HttpRequest, kiosk: Kiosk, error: DomainError | str, status: int = 400) -> HttpResponse:
    return _page(request, kiosk, "kiosk/error.html", {"error": error}, status=status)


def _new_visit(request: HttpRequest) -> None:
    """The start screen is where the next customer begins: their limits (balance-check codes, wrong
    PINs) are their own, not the previous customer's."""
    request.session[VISIT_KEY] = secrets.token_urlsafe(12)


def _requester(request: HttpRequest) -> kiosks.Requester:
    """Who asks: this visit at this enrolled screen (for the kiosk's rate limits)."""
    if not request.session.get(VISIT_KEY):
        _new_visit(request)
    return kiosks.Requester(visit=str(request.session[VISIT_KEY]), device=str(screen(request).pk))


def _scope(request: HttpRequest) -> str:
    """Whose form keys: this screen's."""
    return f"kiosk-screen:{screen(request).pk}"


def _done_url(kiosk: Kiosk, order: Order) -> str:
    url = reverse("kiosk:done", kwargs={"kiosk": kiosk.code, "number": order.number})
    return f"{url}?code={order.receipt.verification_code}"


# --- Start and number entry ----------------------------------------------------------------------


@enrolled_screen
def start(request: HttpRequest, kiosk: str) -> HttpResponse:
    found = _kiosk(kiosk)
    with transaction.atomic():
        kiosks.settle_abandoned(kiosk=found)
    kiosk_pos.free_terminal(kiosk=found)
    _new_visit(request)
    return _page(
        request,
        found,
        "kiosk/start.html",
        {
            "is_start": True,
            "where": found.location_in(_language()),
            "takes_cash": cashbox.takes_cash(found),
            "takes_card": terminal.terminal_available(),
        },
    )


@enrolled_screen
def number(request: HttpRequest, kiosk: str, action: str) -> HttpResponse:
    found = _kiosk(kiosk)
    if action not in ACTIONS:
        raise Http404()
    form = NumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            line = line_queries.line_by_number(form.cleaned_data["number"])
            if action == "balance":
                with transaction.atomic():
                    check = kiosks.start_balance_check(
                        kiosk=found, line=line, language=_language(), requester=_requester(request)
                    )
                return redirect("kiosk:balance_code", kiosk=found.code, token=check.token)
        except DomainError as error:
            form.add_error("number", str(error))
        else:
            return redirect(f"kiosk:{action}", kiosk=found.code, ref=line_ref(found, line))
    return _page(request, found, "kiosk/number.html", {"form": form, "action": action})


# --- Balance check -------------------------------------------------------------------------------


@enrolled_screen
def balance_code(request: HttpRequest, kiosk: str, token: str) -> HttpResponse:
    found = _kiosk(kiosk)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refused: DomainError | None = None
        # Its own transaction, committed even for a wrong code: the attempt must stay counted.
        with transaction.atomic():
            try:
                kiosks.confirm_balance_check(kiosk=found, token=token, code=form.cleaned_data["code"])
            except DomainError as error:
                refused = error
        if refused is None:
            return redirect("kiosk:balance", kiosk=found.code, token=token)
        if isinstance(refused, CodeExpired):
            return _error_page(request, found, refused)
        form.add_error("code", str(refused))
    return _page(request, found, "kiosk/code.html", {"form": form})


@enrolled_screen
def balance(request: HttpRequest, kiosk: str, token: str) -> HttpResponse:
    found = _kiosk(kiosk)
    try:
        check = kiosks.verified_check(kiosk=found, token=token)
    except DomainError as error:
        return _error_page(request, found, error)
    view = kiosk_queries.balance_view(check.line)
    return _page(
        request,
        found,
        "kiosk/balance.html",
        {"view": view, "line_brand": check.line.brand, "ref": line_ref(found, check.line)},
    )


# --- Top-up and renewal --------------------------------------------------------------------------


def _open_cash(request: HttpRequest, found: Kiosk, line: Line, purpose: str, product: Product | None) -> HttpResponse:
    try:
        with transaction.atomic():
            session = kiosks.open_cash_session(
                kiosk=found, line=line, purpose=purpose, product=product, language=_language()
            )
    except DomainError as error:
        return _error_page(request, found, error, status=error.status)
    return redirect("kiosk:cash", kiosk=found.code, token=session.token)


@enrolled_screen
def topup(request: HttpRequest, kiosk: str, ref: str) -> HttpResponse:
    found = _kiosk(kiosk)
    line = _line_from_ref(found, ref)
    product = catalog.topup_product_for(line.brand)
    if product is None:
        return _error_page(request, found, _("Top-ups are not offered for this line."), status=409)
    if request.method == "POST" and request.POST.get("pay") == "cash":
        return _open_cash(request, found, line, Purpose.TOPUP, None)
    return _page(
        request,
        found,
        "kiosk/topup.html",
        {
            "line": line,
            "line_brand": line.brand,
            "ref": ref,
            "amounts": product.topup_choices(),
            "takes_cash": cashbox.takes_cash(found),
            "takes_card": terminal.terminal_available(),
        },
    )


@enrolled_screen
def renew(request: HttpRequest, kiosk: str, ref: str) -> HttpResponse:
    found = _kiosk(kiosk)
    line = _line_from_ref(found, ref)
    products = list(catalog.bundles_for(line.brand))
    chosen = next(
        (p for p in products if str(p.pk) == (request.POST.get("product") or request.GET.get("product"))), None
    )
    if chosen is not None and request.method == "POST" and request.POST.get("pay") == "cash":
        return _open_cash(request, found, line, Purpose.BUNDLE, chosen)
    return _page(
        request,
        found,
        "kiosk/renew.html",
        {
            "line": line,
            "line_brand": line.brand,
            "ref": ref,
            "products": products,
            "chosen": chosen,
            "takes_cash": cashbox.takes_cash(found),
            "takes_card": terminal.terminal_available(),
        },
    )


@enrolled_screen
def card(request: HttpRequest, kiosk: str, ref: str) -> HttpResponse:
    """Pay by card on the kiosk's terminal: a bundle (?product=) or a top-up amount (?amount=)."""
    found = _kiosk(kiosk)
    line = _line_from_ref(found, ref)
    params = request.POST if request.method == "POST" else request.GET
    product: Product | None
    amount: int | None = None
    product_id, amount_text = str(params.get("product") or ""), str(params.get("amount") or "")
    if product_id:
        chosen = parse.whole_number_or_none(product_id, minimum=1, maximum=parse.MAX_ID)
        product = catalog.bundles_for(line.brand).filter(pk=chosen).first() if chosen else None
    else:
        product = catalog.topup_product_for(line.brand)
        amount = parse.whole_number_or_none(amount_text, minimum=1, maximum=MAX_AMOUNT)
    if product is None:
        raise Http404()
    try:
        quote = quote_order(
            line=line, product=product, method=PaymentMethod.TERMINAL_CARD, topup_amount=amount, channel=Channel.KIOSK
        )
    except DomainError as error:
        return _error_page(request, found, error, status=error.status)
    page = {
        "line": line,
        "line_brand": line.brand,
        "quote": quote,
        "ref": ref,
        "form_key": new_form_key(),
        "waits_for_card": terminal.waits_for_card(),
    }
    if request.method == "POST":

        def charge() -> Done:
            if terminal.waits_for_card():
                started = kiosk_pos.start_card_sale(
                    kiosk=found, line=line, product=product, topup_amount=amount, language=_language()
                )
                return Done(
                    url=reverse("kiosk:card_wait", kwargs={"kiosk": found.code, "reference": started.reference})
                )
            device = terminal.get_terminal(sandbox_outcome=request.POST.get("outcome", terminal.APPROVE))
            sale = kiosks.sell_by_card(
                kiosk=found, line=line, product=product, terminal=device, topup_amount=amount, language=_language()
            )
            return Done(url=_done_url(found, sale.order))

        try:
            # The card is charged outside any transaction: its form key is claimed first, so a
            # double tap waits for this charge and shows its receipt instead of charging again.
            return submit_once(request, scope=_scope(request), run=charge, claim_first=True)
        except DomainError as error:
            return _page(request, found, "kiosk/card.html", {**page, "error": error}, status=error.status)
    return _page(request, found, "kiosk/card.html", page)


# --- Waiting for the card on the kiosk's Mollie terminal ------------------------------------------


def _terminal_payment_or_404(found: Kiosk, reference: str) -> TerminalPayment:
    payment = pointofsale.by_reference(reference, channel=pointofsale.KIOSK, seller_id=found.pk)
    if payment is None:
        raise Http404()
    return payment


@enrolled_screen
def card_wait(request: HttpRequest, kiosk: str, reference: str) -> HttpResponse:
    """The customer presents the card; the page checks the payment on each load and its script asks
    card_wait_status every two seconds. Paid: the receipt screen. Not paid: why, and nothing sold."""
    found = _kiosk(kiosk)
    payment = _terminal_payment_or_404(found, reference)
    payment = kiosk_pos.check_card_sale(payment_id=payment.pk)
    payment.refresh_from_db()
    if payment.outcome == TerminalOutcome.PLACED and payment.order is not None:
        return redirect(_done_url(found, payment.order))
    seconds_left = max(0, int((payment.deadline_at - clock.now()).total_seconds()))
    context: dict[str, Any] = {
        "payment": payment,
        "line": payment.line,
        "line_brand": payment.line.brand,
        "status_url": reverse("kiosk:card_wait_status", kwargs={"kiosk": found.code, "reference": reference}),
        "cancel_url": reverse("kiosk:card_wait_cancel", kwargs={"kiosk": found.code, "reference": reference}),
        "seconds_left": seconds_left,
        "terminal_screen_url": pointofsale.sandbox_screen_url(payment.terminal),
    }
    if payment.waiting:
        # No idle reset while the terminal still waits for the card: the page moves on by itself once
        # the payment ends (its deadline cancels it), and then shows how it ended.
        context["idle_seconds"] = max(settings.KIOSK_IDLE_SECONDS, seconds_left + IDLE_AFTER_DEADLINE)
        # Nor a "Start again" that would leave the terminal waiting: the Cancel button ends it.
        context["card_in_progress"] = True
    return _page(request, found, "kiosk/card_wait.html", context, status=200 if payment.waiting else 402)


@enrolled_screen
def card_wait_status(request: HttpRequest, kiosk: str, reference: str) -> HttpResponse:
    found = _kiosk(kiosk)
    payment = kiosk_pos.check_card_sale(payment_id=_terminal_payment_or_404(found, reference).pk)
    page = reverse("kiosk:card_wait", kwargs={"kiosk": found.code, "reference": reference})
    return JsonResponse({"done": not payment.waiting, "url": page})


@enrolled_screen
@require_POST
def card_wait_cancel(request: HttpRequest, kiosk: str, reference: str) -> HttpResponse:
    found = _kiosk(kiosk)
    kiosk_pos.cancel_card_sale(payment_id=_terminal_payment_or_404(found, reference).pk)
    return redirect("kiosk:card_wait", kiosk=found.code, reference=reference)


# --- Cash ----------------------------------------------------------------------------------------


def _session(found: Kiosk, token: str) -> CashSession:
    session = (
        CashSession.objects.select_related("line", "line__brand", "product").filter(kiosk=found, token=token).first()
    )
    if session is None:
        raise Http404()
    return session


def _cash_press(request: HttpRequest, found: Kiosk, token: str) -> Done:
    """A note or coin in, the top-up or bundle bought, or the payment cancelled: in the form key's transaction."""
    if "insert" in request.POST:
        acceptor = cash_acceptor.get_acceptor()
        value = request.POST["insert"]
        inserted = acceptor.accept(amount=parse.whole_number_or_none(value, minimum=1, maximum=MAX_AMOUNT) or -1)
        kiosks.insert_cash(kiosk=found, token=token, inserted=inserted)
    elif "finish" in request.POST:
        kiosks.settle_cash_session(kiosk=found, token=token)
        return Done(url=reverse("kiosk:cash_done", kwargs={"kiosk": found.code, "token": token}))
    elif "cancel" in request.POST:
        kiosks.cancel_cash_session(kiosk=found, token=token)
        return Done(url=reverse("kiosk:start", kwargs={"kiosk": found.code}))
    return Done(url=reverse("kiosk:cash", kwargs={"kiosk": found.code, "token": token}))


@enrolled_screen
def cash(request: HttpRequest, kiosk: str, token: str) -> HttpResponse:
    found = _kiosk(kiosk)
    session = _session(found, token)
    if session.status == SessionStatus.SETTLED:
        return redirect("kiosk:cash_done", kiosk=found.code, token=token)
    if session.status != SessionStatus.OPEN:
        return redirect("kiosk:start", kiosk=found.code)
    error: DomainError | None = None
    if request.method == "POST":
        try:
            # Each press of the cash page counts once (a note, or the top-up), however often it is sent.
            return submit_once(request, scope=_scope(request), run=lambda: _cash_press(request, found, token))
        except DomainError as refused:
            error = refused
        session = _session(found, token)
    return _page(
        request,
        found,
        "kiosk/cash.html",
        {
            "session": session,
            "line": session.line,
            "line_brand": session.line.brand,
            **_cash_figures(session),
            "denominations": cash_acceptor.get_acceptor().denominations() if cash_acceptor.acceptor_available() else (),
            # With a note validator the page only shows what its device service recorded, and polls for it.
            "device": cash_acceptor.uses_device(),
            "status_url": reverse("kiosk:cash_status", kwargs={"kiosk": found.code, "token": token}),
            "error": error,
            "form_key": new_form_key(),
        },
        status=error.status if error else 200,
    )


@enrolled_screen
def cash_status(request: HttpRequest, kiosk: str, token: str) -> HttpResponse:
    """What the cash page shows of the session, polled while a note validator takes the cash: the
    total its device service recorded, and whether the payment can be finished."""
    found = _kiosk(kiosk)
    session = _session(found, token)
    context = _cash_figures(session)
    status = render(request, "kiosk/_cash_status.html", {"session": session, **context}).content.decode()
    return JsonResponse(
        {
            "open": session.status == SessionStatus.OPEN,
            "inserted_amount": session.inserted_amount,
            "can_finish": bool(session.inserted_amount) and not context["missing"],
            "status": status,
        }
    )


def _cash_figures(session: CashSession) -> dict[str, int | None]:
    price = None
    if session.purpose == Purpose.BUNDLE and session.product is not None:
        price = quote_order(
            line=session.line, product=session.product, method=PaymentMethod.CASH, channel=Channel.KIOSK
        ).total_amount
    inserted = session.inserted_amount
    return {
        "price": price,
        "missing": price - inserted if price is not None and inserted < price else 0,
        "excess": inserted - price if price is not None and inserted > price else 0,
    }


@enrolled_screen
def cash_done(request: HttpRequest, kiosk: str, token: str) -> HttpResponse:
    found = _kiosk(kiosk)
    session = _session(found, token)
    if session.status != SessionStatus.SETTLED or session.settled_at is None:
        raise Http404()
    if (clock.now() - session.settled_at).total_seconds() > DONE_VISIBLE_FOR:
        return redirect("kiosk:start", kiosk=found.code)
    sales = kiosks.session_sales(session)
    return _page(
        request, found, "kiosk/done.html", {"orders": [s.order for s in sales], "line_brand": session.line.brand}
    )


def _verified_order(found: Kiosk, number: str, code: str) -> Any:
    sale = kiosk_queries.sale_of(kiosk=found, order_number=number)
    if sale is None or not constant_time_equal(sale.order.receipt.verification_code, typed_code(code)):
        raise Http404()
    return sale.order


@enrolled_screen
def done(request: HttpRequest, kiosk: str, number: str) -> HttpResponse:
    found = _kiosk(kiosk)
    order = _verified_order(found, number, request.GET.get("code", ""))
    return _page(request, found, "kiosk/done.html", {"orders": [order], "line_brand": order.line.brand})


@enrolled_screen
def receipt(request: HttpRequest, kiosk: str, number: str) -> HttpResponse:
    found = _kiosk(kiosk)
    order = _verified_order(found, number, request.GET.get("code", ""))
    note = ""
    if order.method == PaymentMethod.CASH:
        note = _("Paid in cash. This kiosk gives no change: all the cash inserted was credited.")
    return render(
        request,
        "counter/ticket.html",
        {
            "order": order,
            "receipt": order.receipt,
            "place": f"{found.name} · {where}" if (where := found.location_in(_language())) else found.name,
            "note": note,
            "back_url": reverse("kiosk:start", kwargs={"kiosk": found.code}),
        },
    )


# --- Vouchers ------------------------------------------------------------------------------------


@enrolled_screen
def voucher(request: HttpRequest, kiosk: str, ref: str) -> HttpResponse:
    found = _kiosk(kiosk)
    line = _line_from_ref(found, ref)
    form = VoucherForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def redeem() -> Done:
            sale = kiosks.redeem_voucher(
                kiosk=found, line=line, pin=form.cleaned_data["pin"], requester=_requester(request)
            )
            return Done(url=_done_url(found, sale.order))

        try:
            # Redeemed outside any transaction (a wrong PIN must stay counted), so the key is claimed first.
            return submit_once(request, scope=_scope(request), run=redeem, claim_first=True)
        except DomainError as error:
            form.add_error("pin", str(error))
    return _page(
        request,
        found,
        "kiosk/voucher.html",
        {"form": form, "line": line, "line_brand": line.brand, "ref": ref, "form_key": new_form_key()},
    )
