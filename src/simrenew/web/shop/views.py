"""The shop desk: staff find a line, identify its holder, renew or top up paid in cash or by card at
the counter, print the receipt, and (managers) read the till report and the audit log.

Only staff logins with a shop (shops.StaffProfile) get in; every action is audited with the
staff member, the line and the address it came from.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from simrenew.audit import service as audit
from simrenew.audit.models import AuditEntry
from simrenew.brands.models import PaymentMethod
from simrenew.catalog import queries as catalog
from simrenew.customers.models import User
from simrenew.identity import queries as identity_queries
from simrenew.identity.documents import country_name
from simrenew.kit.errors import DomainError
from simrenew.kit.money import format_money
from simrenew.lines import queries as line_queries
from simrenew.lines.errors import UnknownLine
from simrenew.lines.models import Line
from simrenew.orders.quotes import Quote
from simrenew.payments import pointofsale
from simrenew.payments import terminal as terminals
from simrenew.payments.models import TerminalOutcome, TerminalPayment
from simrenew.payments.terminal import TerminalBusy
from simrenew.shops import queries as shop_queries
from simrenew.shops import service as shops
from simrenew.shops.models import Shop
from simrenew.staff.access import declare
from simrenew.staff.errors import MissingPermission
from simrenew.staff.permissions import SELL_AT_COUNTER, USE_SHOP_DESK, VIEW_ALL_TILLS, VIEW_SHOP_AUDIT_LOG
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.web.portal import usage_views
from simrenew.web.shop import audit_entries
from simrenew.web.shop.forms import (
    FindLineForm,
    IdentifyForm,
    ShopRenewForm,
    ShopTopupForm,
    StaffLoginForm,
    TillDayForm,
)

StaffView = Callable[..., HttpResponse]


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def staff_required(permission: str) -> Callable[[StaffView], Callable[..., HttpResponseBase]]:
    """Let in active staff of a shop who hold `permission` (declared on the view, see
    simrenew.staff.access); the view gets the staff member's shop. Customers are sent to the staff
    login; a refusal is audited."""

    def decorator(view: StaffView) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            shop = shop_queries.staff_shop(request.user)
            if shop is None:
                if request.user.is_authenticated:
                    messages.warning(request, _("Log in with a shop staff account to use the shop desk."))
                return redirect_to_login(request.get_full_path(), reverse("shop:login"))
            if not request.user.has_perm(permission):
                with transaction.atomic():
                    shops.record_action(
                        shop=shop,
                        staff=_staff(request),
                        action="shop.refused",
                        ip_address=audit.client_ip(request),
                        page=request.path,
                    )
                return render(
                    request,
                    "shop/error.html",
                    {"shop": shop, "error": MissingPermission()},
                    status=403,
                )
            return view(request, shop, *args, **kwargs)

        return declare(wrapped, permission)

    return decorator


def _line_or_404(line_id: int) -> Line:
    line = Line.objects.select_related("brand").filter(pk=line_id).first()
    if line is None:
        raise Http404()
    return line


def _place(checked_where: str) -> str:
    """The shop an identification in person names ("shop:<code>"), by its name; "" if none."""
    kind, _sep, code = checked_where.partition(":")
    if kind != "shop" or not code:
        return ""
    return Shop.objects.filter(code=code).values_list("name", flat=True).first() or ""


def _ip(request: HttpRequest) -> str | None:
    return audit.client_ip(request)


# --- Login ---------------------------------------------------------------------------------------


class StaffLoginView(auth_views.LoginView):
    template_name = "shop/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return reverse("shop:desk")

    def form_valid(self, form: forms.Form) -> HttpResponse:
        response = super().form_valid(form)  # type: ignore[arg-type]
        shop = shop_queries.staff_shop(self.request.user)
        assert shop is not None
        with transaction.atomic():
            shops.record_action(
                shop=shop, staff=_staff(self.request), action="shop.login", ip_address=_ip(self.request)
            )
        return response


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    shop = shop_queries.staff_shop(request.user)
    if shop is not None:
        with transaction.atomic():
            shops.record_action(shop=shop, staff=_staff(request), action="shop.logout", ip_address=_ip(request))
    from django.contrib.auth import logout as auth_logout

    auth_logout(request)
    return redirect("shop:login")


# --- Finding a line and its holder ---------------------------------------------------------------


@staff_required(USE_SHOP_DESK)
def desk(request: HttpRequest, shop: Shop) -> HttpResponse:
    form = FindLineForm(request.GET or None)
    if form.is_bound and form.is_valid():
        try:
            line = line_queries.line_by_number(form.cleaned_data["number"])
        except UnknownLine:
            # Said to staff, not to a customer: the desk is the operator.
            form.add_error("number", _("No line of ours has this number. Check it with the customer."))
        except DomainError as error:
            form.add_error("number", str(error))
        else:
            return redirect("shop:line", line_id=line.pk)
    recent = shop_queries.sales_of(shop).filter(staff=_staff(request))[:10]
    return render(request, "shop/desk.html", {"shop": shop, "form": form, "recent": recent})


@staff_required(USE_SHOP_DESK)
def line_detail(request: HttpRequest, shop: Shop, line_id: int) -> HttpResponse:
    line = _line_or_404(line_id)
    with transaction.atomic():
        shops.record_action(
            shop=shop, staff=_staff(request), action="shop.line_viewed", line=line, ip_address=_ip(request)
        )
    identification = identity_queries.current_identification(line)
    return render(
        request,
        "shop/line.html",
        {
            "shop": shop,
            "line": line,
            "balances": line_queries.balances(line),
            "period": line_queries.current_period(line),
            "queued": line_queries.queued_periods(line),
            "identification": identity_queries.masked(identification) if identification else None,
            "place": _place(identification.checked_where) if identification else "",
            "nationality": country_name(identification.nationality, get_language() or "en") if identification else "",
            "linked_accounts": line.links.count(),
            **usage_views.usage_context(line, since=None, page_number=request.GET.get("usage_page")),
        },
    )


@staff_required(USE_SHOP_DESK)
def identify(request: HttpRequest, shop: Shop, line_id: int) -> HttpResponse:
    line = _line_or_404(line_id)
    form = IdentifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                shops.identify_holder(
                    shop=shop,
                    staff=_staff(request),
                    line=line,
                    document_type=data["document_type"],
                    document_number=data["document_number"],
                    nationality=data["nationality"],
                    date_of_birth=data["date_of_birth"],
                    ip_address=_ip(request),
                )
        except DomainError as error:
            field = {
                "invalid_document_number": "document_number",
                "invalid_nationality": "nationality",
                "document_nationality_mismatch": "nationality",
                "invalid_date_of_birth": "date_of_birth",
            }.get(error.code)
            form.add_error(field, str(error))
        else:
            messages.success(request, _("The holder of %(number)s is identified.") % {"number": line.display})
            return redirect("shop:line", line_id=line.pk)
    return render(request, "shop/identify.html", {"shop": shop, "line": line, "form": form})


# --- Selling at the counter ----------------------------------------------------------------------


def _sell(
    request: HttpRequest, shop: Shop, line: Line, form: ShopRenewForm | ShopTopupForm, **order: Any
) -> tuple[Quote | None, HttpResponse | None]:
    """Quote the sale; with `confirm`, take the money and sell (once per form key). Returns (quote,
    redirect once sold)."""
    method = form.cleaned_data["method"]
    try:
        quote = shops.quote_at_counter(line=line, method=method, **order)
    except DomainError as error:
        form.add_error(None, str(error))
        return None, None
    if "confirm" not in request.POST:
        return quote, None
    try:
        quote.check_confirmed(request.POST["confirm"])  # the sale is still the one whose price was shown
    except DomainError as error:
        form.add_error(None, str(error))
        return quote, None
    language = get_language() or "en"

    def sell() -> Done:
        if method == PaymentMethod.CASH:
            sale = shops.sell(
                shop=shop,
                staff=_staff(request),
                line=line,
                method=method,
                language=language,
                ip_address=_ip(request),
                **order,
            )
        elif terminals.waits_for_card():
            # The card is asked for on the counter's Mollie terminal; the sale is placed once it is paid.
            started = shops.start_card_sale(
                shop=shop,
                staff=_staff(request),
                line=line,
                language=language,
                ip_address=_ip(request),
                **order,
            )
            return Done(url=reverse("shop:card_payment", kwargs={"reference": started.reference}))
        else:
            terminal = terminals.get_terminal(
                sandbox_outcome=form.cleaned_data.get("terminal_outcome") or terminals.APPROVE
            )
            sale = shops.sell_by_card(
                shop=shop,
                staff=_staff(request),
                line=line,
                terminal=terminal,
                language=language,
                ip_address=_ip(request),
                **order,
            )
        return Done(url=reverse("shop:sale", kwargs={"number": sale.order.number}))

    try:
        # One sale per confirm, however often it is sent. Cash sells in the form key's transaction;
        # a card is charged outside any transaction, so its key is claimed (committed) first.
        sold = submit_once(request, scope=f"user:{request.user.pk}", run=sell, claim_first=method != PaymentMethod.CASH)
    except TerminalBusy as busy:
        # The error says which sale holds the terminal, and links to its waiting page to finish or cancel it.
        waiting = reverse("shop:card_payment", kwargs={"reference": busy.reference})
        form.add_error(None, format_html('{} <a href="{}">{}</a>', str(busy), waiting, _("Open that payment")))
        return quote, None
    except DomainError as error:
        form.add_error(None, str(error))
        return quote, None
    return quote, sold


@staff_required(SELL_AT_COUNTER)
def renew(request: HttpRequest, shop: Shop, line_id: int) -> HttpResponse:
    line = _line_or_404(line_id)
    products = list(catalog.bundles_for(line.brand))
    form = ShopRenewForm(request.POST or None, products=products)
    quote = None
    if request.method == "POST" and form.is_valid():
        product = next(p for p in products if str(p.pk) == form.cleaned_data["product"])
        quote, done = _sell(request, shop, line, form, product=product)
        if done is not None:
            return done
    return render(
        request,
        "shop/sell.html",
        {"shop": shop, "line": line, "form": form, "quote": quote, "kind": "bundle", "form_key": new_form_key()},
    )


@staff_required(SELL_AT_COUNTER)
def topup(request: HttpRequest, shop: Shop, line_id: int) -> HttpResponse:
    line = _line_or_404(line_id)
    product = catalog.topup_product_for(line.brand)
    if product is None:
        return render(
            request, "shop/error.html", {"shop": shop, "error": _("Top-ups are not offered for this line.")}, status=409
        )
    language = get_language() or "en"
    amounts = [(a, format_money(a, product.currency, language)) for a in product.topup_choices()]
    form = ShopTopupForm(request.POST or None, amounts=amounts)
    quote = None
    if request.method == "POST" and form.is_valid():
        quote, done = _sell(request, shop, line, form, product=product, topup_amount=form.cleaned_data["amount"])
        if done is not None:
            return done
    return render(
        request,
        "shop/sell.html",
        {"shop": shop, "line": line, "form": form, "quote": quote, "kind": "topup", "form_key": new_form_key()},
    )


# --- Waiting for the card on the counter's Mollie terminal --------------------------------------


def _terminal_payment_or_404(shop: Shop, reference: str) -> TerminalPayment:
    payment = pointofsale.by_reference(reference, channel=pointofsale.SHOP, seller_id=shop.pk)
    if payment is None:
        raise Http404()
    return payment


def _card_payment_end(payment: TerminalPayment) -> str | None:
    """Where a finished payment sends the counter: the sale, or back to the sale form."""
    if payment.outcome == TerminalOutcome.PLACED and payment.order is not None:
        return reverse("shop:sale", kwargs={"number": payment.order.number})
    return None


@staff_required(SELL_AT_COUNTER)
@require_safe
def card_payment(request: HttpRequest, shop: Shop, reference: str) -> HttpResponse:
    """The waiting screen while the customer presents the card; it checks the payment on each load
    (and its script asks card_payment_status every two seconds)."""
    payment = _terminal_payment_or_404(shop, reference)
    payment = shops.check_card_sale(payment_id=payment.pk)
    payment.refresh_from_db()
    if (url := _card_payment_end(payment)) is not None:
        return redirect(url)
    context = {
        "shop": shop,
        "payment": payment,
        "line": payment.line,
        "status_url": reverse("shop:card_payment_status", kwargs={"reference": reference}),
        "cancel_url": reverse("shop:card_payment_cancel", kwargs={"reference": reference}),
        "seconds_left": max(0, int((payment.deadline_at - timezone.now()).total_seconds())),
        "terminal_screen_url": pointofsale.sandbox_screen_url(payment.terminal),
        "retry_url": reverse(
            "shop:topup" if payment.topup_amount is not None else "shop:renew", kwargs={"line_id": payment.line_id}
        ),
    }
    return render(request, "shop/card_wait.html", context, status=200 if payment.waiting else 402)


@staff_required(SELL_AT_COUNTER)
@require_safe
def card_payment_status(request: HttpRequest, shop: Shop, reference: str) -> HttpResponse:
    payment = _terminal_payment_or_404(shop, reference)
    payment = shops.check_card_sale(payment_id=payment.pk)
    page = reverse("shop:card_payment", kwargs={"reference": reference})
    return JsonResponse({"done": not payment.waiting, "url": page})


@staff_required(SELL_AT_COUNTER)
@require_POST
def card_payment_cancel(request: HttpRequest, shop: Shop, reference: str) -> HttpResponse:
    payment = _terminal_payment_or_404(shop, reference)
    shops.cancel_card_sale(payment_id=payment.pk)
    return redirect("shop:card_payment", reference=reference)


def _sale_or_404(shop: Shop, number: str) -> Any:
    sale = shop_queries.sale_of(shop=shop, order_number=number)
    if sale is None:
        raise Http404()
    return sale


@staff_required(USE_SHOP_DESK)
def sale(request: HttpRequest, shop: Shop, number: str) -> HttpResponse:
    found = _sale_or_404(shop, number)
    return render(request, "shop/sale.html", {"shop": shop, "sale": found, "order": found.order})


@staff_required(USE_SHOP_DESK)
def receipt(request: HttpRequest, shop: Shop, number: str) -> HttpResponse:
    found = _sale_or_404(shop, number)
    with transaction.atomic():
        shops.record_action(
            shop=shop,
            staff=_staff(request),
            action="shop.receipt_printed",
            line=found.order.line,
            ip_address=_ip(request),
            order=found.order.number,
        )
    return render(
        request,
        "counter/ticket.html",
        {
            "order": found.order,
            "receipt": found.order.receipt,
            "place": shop.name,
            "back_url": reverse("shop:sale", kwargs={"number": number}),
        },
    )


# --- Reports -------------------------------------------------------------------------------------


@staff_required(USE_SHOP_DESK)
@require_safe
def till(request: HttpRequest, shop: Shop) -> HttpResponse:
    today = timezone.localdate()
    # The date field is an <input type="date">: it shows the day viewed only when given in ISO form.
    form = TillDayForm(request.GET or None, initial={"day": today.isoformat()})
    day = form.cleaned_data["day"] if form.is_bound and form.is_valid() else today
    see_all = request.user.has_perm(VIEW_ALL_TILLS)
    report = shop_queries.till_report(shop=shop, day=day, staff=None if see_all else _staff(request))
    return render(
        request, "shop/till.html", {"shop": shop, "form": form, "report": report, "day": day, "see_all": see_all}
    )


@staff_required(VIEW_SHOP_AUDIT_LOG)
@require_safe
def audit_log(request: HttpRequest, shop: Shop) -> HttpResponse:
    entries = AuditEntry.objects.filter(details__shop=shop.code).order_by("-created_at", "-id")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rows = audit_entries.present(page, language=get_language() or "en")
    return render(request, "shop/audit.html", {"shop": shop, "entries": page, "rows": rows})
