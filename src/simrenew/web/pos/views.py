"""The cashier's POS page at /<lang>/pos/: number → product → confirm → receipt, keyboard first.

Cashiers are logins in the "Retail cashier" group linked to an outlet (retail.Cashier); their sales
are paid from the retailer's float, like the POS API's.
"""

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from simrenew.brands.models import Brand
from simrenew.catalog import queries as catalog
from simrenew.catalog.models import Product
from simrenew.customers.models import User
from simrenew.kit.dbrouter import reads_from_replica
from simrenew.kit.errors import DomainError
from simrenew.lines import queries as line_queries
from simrenew.lines.models import Line
from simrenew.retail import queries, service
from simrenew.retail.errors import UnknownProduct
from simrenew.retail.models import Sale
from simrenew.staff.access import requires_permission
from simrenew.staff.permissions import SELL_AT_TILL
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.vouchers import service as vouchers
from simrenew.web.pos.forms import ConfirmForm, NumberForm

View = Callable[..., HttpResponse]


class PosLoginView(auth_views.LoginView):
    template_name = "pos/login.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        return self.get_redirect_url() or reverse("pos:home")


class PosLogoutView(auth_views.LogoutView):
    next_page = "pos:login"


def cashier_required(permission: str) -> Callable[[View], View]:
    """A till page: log in first; then only holders of `permission` (declared on the view, see
    simrenew.staff.access) who are cashiers at an active outlet get in, with their Seller."""

    def decorator(view: View) -> View:
        @login_required(login_url="pos:login")
        @requires_permission(permission)
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            assert isinstance(user, User)
            seller = service.seller_for_cashier(user)  # NotAtAnOutlet (403) for anyone else
            return view(request, seller, *args, **kwargs)

        return wrapped

    return decorator


def _context(seller: service.Seller, **extra: Any) -> dict[str, Any]:
    return {
        "seller": seller,
        "float_balance": service.float_balance(seller.retailer),
        "sms_number": settings.VOUCHER_SMS_NUMBER,
        **extra,
    }


@cashier_required(SELL_AT_TILL)
def home(request: HttpRequest, seller: service.Seller) -> HttpResponse:
    form = NumberForm(request.GET or None)
    if request.GET and form.is_valid():
        try:
            line = line_queries.line_by_number(form.cleaned_data["number"])
        except DomainError as error:
            form.add_error("number", str(error))
        else:
            return redirect(reverse("pos:choose") + f"?number={line.msisdn.lstrip('+')}")
    return render(request, "pos/home.html", _context(seller, form=form))


def _line(raw: str) -> Line:
    return line_queries.line_by_number(raw if raw.startswith(("0", "+")) else "+" + raw)


@cashier_required(SELL_AT_TILL)
def choose(request: HttpRequest, seller: service.Seller) -> HttpResponse:
    try:
        line = _line(request.GET.get("number", ""))
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("pos:home")
    topup = catalog.topup_product_for(line.brand)
    options = [(f"bundle:{p.code}", p) for p in catalog.bundles_for(line.brand)]
    amounts = [(f"topup:{amount}", amount) for amount in (topup.topup_choices() if topup else [])]
    return render(
        request,
        "pos/choose.html",
        _context(seller, line=line, bundles=options, amounts=amounts, number=line.msisdn.lstrip("+")),
    )


def _parse_choice(choice: str, number: str) -> dict[str, Any]:
    """What a choice means: a line and product (and amount), or a brand and PIN value."""
    kind, _sep, rest = choice.partition(":")
    if kind == "pin":
        brand_code, _sep, value = rest.partition(":")
        brand = Brand.objects.filter(code=brand_code).first()
        if brand is None:
            raise UnknownProduct()
        vouchers.check_value(brand, int(value))
        return {"kind": "pin", "brand": brand, "value_amount": int(value)}
    line = _line(number)
    if kind == "bundle":
        product = Product.objects.filter(brand=line.brand, code=rest, active=True).first()
        amount = None
    else:
        product, amount = catalog.topup_product_for(line.brand), int(rest)
    if product is None:
        raise UnknownProduct()
    return {"kind": kind, "line": line, "product": product, "topup_amount": amount}


def _sell(request: HttpRequest, seller: service.Seller, what: dict[str, Any]) -> Done:
    """Sell what the confirm page showed, in the form key's transaction."""
    if what["kind"] == "pin":
        sale, pin = service.sell_pin(seller=seller, brand=what["brand"], value_amount=what["value_amount"])
        # The PIN is shown on this one page (to print) and never stored: a replay shows the receipt without it.
        shown = render(request, "pos/receipt.html", _context(seller, sale=_sale(seller, sale.number), pin=pin))
        return Done(url=reverse("pos:receipt", kwargs={"number": sale.number}), response=shown)
    sale = service.sell(
        seller=seller,
        line=what["line"],
        product=what["product"],
        topup_amount=what["topup_amount"],
        language=get_language() or "en",
    )
    return Done(url=reverse("pos:receipt", kwargs={"number": sale.number}))


@cashier_required(SELL_AT_TILL)
def confirm(request: HttpRequest, seller: service.Seller) -> HttpResponse:
    form = ConfirmForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a product first."))
        return redirect("pos:home")
    try:
        what = _parse_choice(form.cleaned_data["choice"], form.cleaned_data["number"])
        quote = None
        if what["kind"] != "pin":
            quote = service.quote_sale(
                seller=seller, line=what["line"], product=what["product"], topup_amount=what["topup_amount"]
            )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("pos:home")
    page = _context(seller, form=form, what=what, quote=quote, form_key=new_form_key())
    if request.method != "POST":
        return render(request, "pos/confirm.html", page)
    try:
        # One sale per confirm page, however often it is sent (a double press, five at once).
        return submit_once(request, scope=f"user:{request.user.pk}", run=lambda: _sell(request, seller, what))
    except DomainError as error:
        return render(request, "pos/confirm.html", {**page, "error": error}, status=error.status)


@cashier_required(SELL_AT_TILL)
def pin(request: HttpRequest, seller: service.Seller) -> HttpResponse:
    offers = []
    for brand in Brand.objects.all():
        topup = catalog.topup_product_for(brand)
        if topup is not None and topup.topup_amounts:
            offers.append((brand, [(f"pin:{brand.code}:{value}", value) for value in topup.topup_choices()]))
    return render(request, "pos/pin.html", _context(seller, offers=offers))


def _sale(seller: service.Seller, number: str) -> Sale:
    return service.sale_of(seller=seller, number=number)


@cashier_required(SELL_AT_TILL)
def receipt(request: HttpRequest, seller: service.Seller, number: str) -> HttpResponse:
    return render(request, "pos/receipt.html", _context(seller, sale=_sale(seller, number)))


@cashier_required(SELL_AT_TILL)
def void(request: HttpRequest, seller: service.Seller, number: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("pos:receipt", number=number)
    try:
        with transaction.atomic():
            sale = service.void_sale(seller=seller, number=number)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Sale %(number)s is voided; the float was credited back.") % {"number": sale.number}
        )
    return redirect("pos:receipt", number=number)


@cashier_required(SELL_AT_TILL)
@reads_from_replica  # settlement history: a report, may be a second behind
def settlement(request: HttpRequest, seller: service.Seller) -> HttpResponse:
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = queries.today()
    scope_outlet = None if request.GET.get("scope") == "retailer" else seller.outlet
    result = queries.settlement(retailer=seller.retailer, day=day, outlet=scope_outlet)
    if request.GET.get("format") == "csv":
        response = HttpResponse(queries.settlement_csv(result), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="settlement-{day}.csv"'
        return response
    return render(request, "pos/settlement.html", _context(seller, settlement=result))
