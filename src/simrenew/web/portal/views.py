"""Customer portal pages: home, My account, linking lines, renewals, top-ups, orders and receipts.

A customer sees the lines they hold now, the orders they bought, and what happened to a line while
they held it (orders.queries); anything else is a 404, so not even its existence shows.
"""

import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from simrenew.audit import service as audit
from simrenew.brands.models import Brand, PaymentMethod
from simrenew.catalog import queries as catalog
from simrenew.customers import queries as customer_queries
from simrenew.customers import service as customers
from simrenew.customers.models import LinkChallenge, User
from simrenew.kit.errors import DomainError, Forbidden
from simrenew.kit.money import format_money
from simrenew.lines import queries as line_queries
from simrenew.lines.models import Line
from simrenew.notifications.models import OutboxMessage
from simrenew.orders import access, receipts
from simrenew.orders import queries as order_queries
from simrenew.orders import service as orders
from simrenew.orders.models import Channel, Order, OrderKind, OrderStatus
from simrenew.orders.quotes import Quote, quote_order
from simrenew.payments.provider import ProviderError
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.vouchers.forms import RedeemVoucherForm
from simrenew.vouchers.service import Guesser
from simrenew.web import paging
from simrenew.web.portal import usage_views
from simrenew.web.portal.catalogue_views import brand_catalogues
from simrenew.web.portal.checkout_views import fee_text, methods_with_fees, payment_url
from simrenew.web.portal.forms import (
    CodeForm,
    LinkLineForm,
    RenewForm,
    TopupNumberForm,
    VerifyReceiptForm,
)

log = logging.getLogger(__name__)


ORDERS_PER_PAGE = 20


def home(request: HttpRequest) -> HttpResponse:
    catalogues = brand_catalogues(Brand.objects.all())
    return render(request, "portal/home.html", {"catalogues": catalogues, "number_form": TopupNumberForm()})


def _customer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _require_verified(request: HttpRequest) -> HttpResponse | None:
    if not _customer(request).email_verified:
        messages.warning(request, _("Please verify your e-mail address first: open the link we e-mailed you."))
        return redirect("portal:account")
    return None


def _own_line(request: HttpRequest, line_id: int) -> Line:
    """A line the logged-in customer has linked; anyone else's is a 404 (not even its existence leaks)."""
    line = Line.objects.select_related("brand").filter(pk=line_id, links__customer=_customer(request)).first()
    if line is None:
        raise Http404()
    return line


@login_required
def account(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    # The same few queries for one line or ten: balances and bundles of every line at once.
    lines = usage_views.line_cards(line_queries.summaries(customers.lines_of(customer)))
    page = paging.page_of(order_queries.orders_of(customer), request.GET.get("page"), ORDERS_PER_PAGE)
    return render(request, "portal/account.html", {"lines": lines, "orders": page})


@login_required
def line_detail(request: HttpRequest, line_id: int) -> HttpResponse:
    """One line the customer holds: its state, and what happened to it while it has been theirs
    (nothing from before they linked it, nothing other accounts bought but credit they gave)."""
    customer = _customer(request)
    line = _own_line(request, line_id)
    link = customer_queries.holds(customer_id=customer.pk, line=line).get()
    page = paging.page_of(order_queries.orders_of(customer).filter(line=line), request.GET.get("page"), ORDERS_PER_PAGE)
    context = {
        "line": line,
        "linked_at": link.linked_at,
        "balances": line_queries.balances(line),
        "period": line_queries.current_period(line),
        "queued": line_queries.queued_periods(line),
        "orders": page,
        "top_ups_received": order_queries.top_ups_received(customer, line),
        # Usage, like orders, only from the moment the customer linked the line.
        **usage_views.usage_context(line, since=link.linked_at, page_number=request.GET.get("usage_page")),
    }
    return render(request, "portal/line.html", context)


@login_required
def link_line(request: HttpRequest) -> HttpResponse:
    if not _customer(request).email_verified:  # the page says so up front, with the link sent again on request
        return render(request, "portal/link_line.html", {"form": None})
    form = LinkLineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                challenge = customers.start_line_link(
                    customer=_customer(request), raw_number=form.cleaned_data["number"]
                )
        except DomainError as error:
            form.add_error("number", str(error))
        else:
            return redirect("portal:link_line_code", challenge_id=challenge.pk)
    return render(request, "portal/link_line.html", {"form": form})


@login_required
def link_line_code(request: HttpRequest, challenge_id: int) -> HttpResponse:
    challenge = (
        LinkChallenge.objects.select_related("line").filter(pk=challenge_id, customer=_customer(request)).first()
    )
    if challenge is None:
        raise Http404()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refused: DomainError | None = None
        # Its own transaction, committed even when the code is wrong: the attempt must stay counted
        # (an exception leaving the atomic block would roll the counter back).
        with transaction.atomic():
            try:
                link = customers.confirm_line_link(
                    customer=_customer(request), challenge_id=challenge.pk, code=form.cleaned_data["code"]
                )
            except DomainError as error:
                refused = error
        if refused is not None:
            form.add_error("code", str(refused))
        else:
            messages.success(
                request,
                _("The line %(number)s is now linked to your account.") % {"number": link.line.display},
            )
            return redirect("portal:account")
    return render(request, "portal/link_line_code.html", {"form": form, "line": challenge.line})


def _quote_or_error(form: forms.Form, **kwargs: Any) -> Quote | None:
    """The quote, or None with the reason shown on the form."""
    try:
        return quote_order(channel=Channel.WEB, **kwargs)
    except DomainError as error:
        form.add_error(error.field, str(error))
        return None


def _renew_methods(brand: Brand, language: str) -> list[tuple[str, str]]:
    """Line credit (never a fee) first, then the brand's online methods, each labelled with its fee as
    the top-up page labels it (checkout_views): a customer sees a method's fee before paying."""
    credit = (PaymentMethod.CREDIT.value, f"{PaymentMethod.CREDIT.label} · {fee_text(None, language)}")
    return [credit, *methods_with_fees(brand, language)]


@login_required
def renew(request: HttpRequest, line_id: int) -> HttpResponse:
    if (response := _require_verified(request)) is not None:
        return response
    line = _own_line(request, line_id)
    products = list(catalog.bundles_for(line.brand))
    current = line_queries.current_period(line)
    if current is not None:
        # The current bundle is offered first.
        products.sort(key=lambda p: p.pk != current.product_id)
    balances = line_queries.balances(line)
    data = request.POST if request.method == "POST" else (request.GET if "product" in request.GET else None)
    form = RenewForm(data, products=products, methods=_renew_methods(line.brand, get_language() or "en"))
    quote = None
    if data is not None and form.is_valid():
        product = next(p for p in products if str(p.pk) == form.cleaned_data["product"])
        quote = _quote_or_error(
            form,
            line=line,
            product=product,
            method=form.cleaned_data["method"],
            customer_id=_customer(request).pk,
            promo_code=form.cleaned_data["promo_code"],
        )
        if quote is not None and quote.method == PaymentMethod.CREDIT and balances.total_amount < quote.price_amount:
            form.add_error("method", _("Your credit does not cover this bundle. Choose another payment method."))
            quote = None
        if quote is not None and request.method == "POST" and "confirm" in request.POST:
            try:
                quote.check_confirmed(request.POST["confirm"])
            except DomainError as error:  # the choice changed after its price was shown: show the new one
                form.add_error(None, str(error))
            else:
                placed = _confirm_renewal(request, form, quote)
                if placed is not None:
                    return placed
                quote = None
    initial_product = str(products[0].pk) if products else None
    # A renewal bought now is queued after the last of these (lines.service.add_bundle_period); read
    # only for the page, not for a confirm that places the order.
    queued = line_queries.queued_periods(line)
    return render(
        request,
        "portal/renew.html",
        {
            "line": line,
            "form": form,
            "quote": quote,
            "products": products,
            "balances": balances,
            "current": current,
            "queued": queued,
            "renewal_starts": max(period.ends_at for period in queued) if queued else None,
            "initial_product": initial_product,
            "form_key": new_form_key(),
        },
    )


def _confirm_renewal(request: HttpRequest, form: forms.Form, quote: Quote) -> HttpResponse | None:
    """Place the order the customer confirmed and send them on to pay; None with the reason on the form."""
    language = get_language() or "en"

    def place() -> Done:
        with transaction.atomic():
            order = orders.place_order(quote=quote, customer=_customer(request), language=language)
        return Done(url=payment_url(order, language))

    # Once per form key however often it is sent (a double tap would otherwise buy twice from
    # credit). Paid from credit, the key is recorded in the order's own transaction; otherwise it
    # is claimed (committed) first, as starting the payment is an HTTP call to the provider.
    try:
        return submit_once(
            request, scope=f"user:{_customer(request).pk}", run=place, claim_first=quote.method != PaymentMethod.CREDIT
        )
    except DomainError as error:
        form.add_error(None, str(error))
        return None


@login_required
def redeem_voucher(request: HttpRequest) -> HttpResponse:
    """Top up any line of ours with a voucher PIN (own line or someone else's)."""
    if (response := _require_verified(request)) is not None:
        return response
    initial = {"number": request.GET.get("number", "")}
    form = RedeemVoucherForm(request.POST or None, ask_number=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        # Outside any transaction: a wrong PIN must stay counted by the throttle.
        customer = _customer(request)
        guesser = Guesser(account=customer.pk, address=audit.client_ip(request) or "")
        redemption = form.redeem(channel="web", guesser=guesser, customer=customer)
        if redemption is not None:
            order = redemption.order
            messages.success(
                request,
                _("%(amount)s added to %(number)s.")
                % {
                    "amount": format_money(order.list_amount, order.currency, get_language() or "en"),
                    "number": order.line.display,
                },
            )
            return redirect("portal:order", number=order.number)
    return render(request, "portal/redeem.html", {"form": form})


def _visible_order(request: HttpRequest, number: str) -> Order | HttpResponse:
    """The order the link's key opens (any visitor), or one the logged-in customer may see; a wrong
    key or someone else's order is a 404. Without a key a visitor is asked to log in."""
    key = request.GET.get(access.KEY_PARAMETER, "")
    if key:
        order = Order.objects.select_related("line", "line__brand", "product").filter(number=number).first()
        if order is None or not access.opens(order.number, key):
            raise Http404()
        return order
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return order_queries.order_of(_customer(request), number)


def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = _visible_order(request, number)
    if isinstance(order, HttpResponse):
        return order
    payment = order.payments.order_by("-created_at").first()
    # A guest, or a logged-in visitor whose order it is not (the link's key let them in), has no
    # account page to go back to for it.
    user = request.user
    owner = isinstance(user, User) and order_queries.orders_of(user).filter(pk=order.pk).exists()
    # A renewal bought while a bundle runs starts when that one ends: the page says when, not "ready".
    later = line_queries.later_period_of_order(order.pk) if order.status == OrderStatus.FULFILLED else None
    context = {"order": order, "payment": payment, "owner": owner, "later_period": later}
    return render(request, "portal/order.html", context)


def order_return(request: HttpRequest, number: str) -> HttpResponse:
    """Back from checkout: ask the provider now rather than wait for the webhook."""
    order = _visible_order(request, number)
    if isinstance(order, HttpResponse):
        return order
    payment = order.payments.order_by("-created_at").first()
    if payment is not None and order.is_open:
        try:
            orders.sync_payment(provider_name=payment.provider, provider_payment_id=payment.provider_payment_id)
        except ProviderError:
            # The provider is slow or away: show the order as we know it; the webhook or the
            # scheduler's reconcile settles it (the page refreshes while the payment is open).
            log.warning("payment status of order %s not fetched on return", order.number)
    if request.GET.get(access.KEY_PARAMETER):
        return redirect(access.order_path(order, get_language() or "en"))
    return redirect("portal:order", number=order.number)


def order_retry(request: HttpRequest, number: str) -> HttpResponse:
    """Start again with what the order chose: a customer's own line goes to its renewal page; anyone
    else to checkout with the bundle chosen, the number to type again (it is never put in a link)."""
    if request.user.is_authenticated and not request.GET.get(access.KEY_PARAMETER):
        order = order_queries.order_of(_customer(request), number)
        if order.kind == OrderKind.BUNDLE and customers.owns_line(customer=_customer(request), line=order.line):
            return redirect(
                reverse("portal:renew", kwargs={"line_id": order.line_id})
                + f"?product={order.product_id}&method={order.method}"
            )
    else:
        found = _visible_order(request, number)
        if isinstance(found, HttpResponse):
            return found
        order = found
    if order.kind == OrderKind.BUNDLE:
        return redirect(reverse("portal:topup") + f"?product={order.product_id}")
    return redirect(reverse("portal:topup") + f"?brand={order.line.brand.code}")


def receipt(request: HttpRequest, number: str) -> HttpResponse:
    """Anyone with the receipt's verification code (printed on it) may see it; without it, a customer
    who may see its order (the buyer; the line's holder for a sale no account bought, while they hold it)."""
    code = request.GET.get("code", "")
    if not code and request.user.is_authenticated:
        owned = order_queries.orders_of(_customer(request)).filter(receipt__number=number.strip().upper()).first()
        if owned is None:
            raise Forbidden()
        code = owned.receipt.verification_code
    found = receipts.verified_receipt(number=number, code=code)
    if request.GET.get("format") == "pdf":
        pdf = receipts.receipt_pdf(found, get_language() or "en")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{found.number}.pdf"'
        return response
    return render(request, "portal/receipt_print.html", {"receipt": found, "order": found.order})


def verify_receipt(request: HttpRequest) -> HttpResponse:
    form = VerifyReceiptForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid():
        try:
            found = receipts.verified_receipt(number=form.cleaned_data["number"], code=form.cleaned_data["code"])
        except DomainError:
            form.add_error(None, _("No receipt matches this number and code. It may not be genuine."))
    return render(request, "portal/verify_receipt.html", {"form": form, "found": found})


def official_channels(request: HttpRequest) -> HttpResponse:
    """The operators' own addresses and this site's, where the customer is now (from the settings,
    as each installation has its own)."""
    return render(request, "portal/official.html", {"brands": Brand.objects.all(), "site_url": settings.SITE_URL})


def dev_outbox(request: HttpRequest) -> HttpResponse:
    if not settings.DEV_OUTBOX:
        raise Http404()
    messages_list = OutboxMessage.objects.all()[:100]
    return render(request, "portal/outbox.html", {"outbox": messages_list})


def dev_outbox_message(request: HttpRequest, message_id: int) -> HttpResponse:
    if not settings.DEV_OUTBOX:
        raise Http404()
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        raise Http404()
    return render(request, "portal/outbox_message.html", {"message": message})
