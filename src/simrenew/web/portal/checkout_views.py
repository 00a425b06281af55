"""Checkout for any line of ours, with or without an account: a top-up or a bundle, a payment method
with its fee, an optional e-mail for the receipt, then the payment provider's page.

One page does it. It knows the brand from the number typed, or from the bundle or brand a catalogue
button carried (the number is then typed on the same page): from the home page a visitor reaches
the payment page through this one page. The number is shown back masked with its brand to confirm
it. A guest's order page opens with a signed key (orders.access) in the return link and in the
confirmation e-mail. Logged-in customers pick one of their lines or type any number.

Guests are limited per network address, customers per account, never per number: in number
look-ups (each new number costs one; the page carries a signed note of the number it has already
looked up, so changing the amount costs nothing) and in orders placed.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from simrenew.audit import service as audit
from simrenew.brands.models import Brand, PaymentMethod, PaymentMethodFee
from simrenew.brands.queries import enabled_online_methods, fees_of
from simrenew.catalog import queries as catalog
from simrenew.catalog.models import Product
from simrenew.customers import service as customers
from simrenew.customers.models import User
from simrenew.kit.errors import DomainError
from simrenew.kit.money import format_money
from simrenew.kit.phone import mask_msisdn
from simrenew.lines import queries as line_queries
from simrenew.lines import service as line_service
from simrenew.lines.models import Line
from simrenew.orders import access
from simrenew.orders import service as orders
from simrenew.orders.models import Channel, Order, OrderStatus
from simrenew.orders.quotes import Quote, quote_order
from simrenew.orders.transfer_instructions import send_transfer_instructions
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.throttles import service as throttles
from simrenew.web.portal.catalogue_views import percent_text
from simrenew.web.portal.forms import METHOD_CHOICES, CheckoutForm, TopupNumberForm

HOUR = timedelta(hours=1)
GUEST_LOOKUPS = throttles.Rule(
    "checkout:lookup:address",
    30,
    HOUR,
    gettext_lazy("Too many numbers looked up from your network connection. Try again at %(until)s."),
)
CUSTOMER_LOOKUPS = throttles.Rule(
    "checkout:lookup:account",
    30,
    HOUR,
    gettext_lazy("Too many numbers looked up from your account. Try again at %(until)s."),
)
GUEST_ORDERS = throttles.Rule(
    "checkout:order:address",
    10,
    HOUR,
    gettext_lazy("Too many orders from your network connection. Try again at %(until)s."),
)
CUSTOMER_ORDERS = throttles.Rule(
    "checkout:order:account",
    20,
    HOUR,
    gettext_lazy("Too many orders from your account. Try again at %(until)s."),
)
# The signed note of a number this page has looked up already (not a secret: it only spares the budget).
_SEEN = signing.Signer(salt="simrenew.portal.checkout.number")
GUEST_SCOPE = "web-guest"


def _customer(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _budget(request: HttpRequest, *, guest: throttles.Rule, customer: throttles.Rule) -> throttles.Budget:
    user = _customer(request)
    if user is not None:
        return customer.of(f"user:{user.pk}")
    return guest.of(throttles.network_of(audit.client_ip(request)) or "ip:unknown")


def _look_up(request: HttpRequest, msisdn: str, seen: str) -> Line:
    """The usable line for a cleaned number; one look-up from the budget unless the page already made it."""
    if not (seen and _SEEN.signature(msisdn) == seen):
        throttles.take(_budget(request, guest=GUEST_LOOKUPS, customer=CUSTOMER_LOOKUPS))
    line = line_queries.line_by_number(msisdn)
    line_service.ensure_usable(line)
    return line


# --- Where the payment goes ------------------------------------------------------------------------


def order_page_url(order: Order, language: str) -> str:
    """The order's page: with its key for an order no account bought, plain for a customer's."""
    if order.customer_id is None:
        return access.order_path(order, language)
    return reverse("portal:order", kwargs={"number": order.number})


def payment_url(order: Order, language: str) -> str:
    """Start the order's payment (an HTTP call: outside any transaction) and say where the buyer goes:
    the provider's checkout, or the order page (bank transfer details, or nothing left to pay)."""
    if order.status != OrderStatus.CREATED:
        return order_page_url(order, language)
    if order.customer_id is None:
        return_path = access.order_path(order, language, page="portal:order_return")
    else:
        return_path = reverse("portal:order_return", kwargs={"number": order.number})
    payment = orders.start_payment(
        order=order,
        redirect_url=settings.PUBLIC_URL + return_path,
        webhook_url=settings.PUBLIC_URL + reverse("mollie_webhook"),
    )
    if order.method == PaymentMethod.BANK_TRANSFER:
        if order.email:
            # How to pay, by e-mail: the transfer is made later, from a banking app.
            send_transfer_instructions.enqueue(payment.pk)
        return order_page_url(order, language)
    if not payment.checkout_url:
        return order_page_url(order, language)
    return payment.checkout_url


# --- The page --------------------------------------------------------------------------------------


def fee_text(fee: PaymentMethodFee | None, language: str) -> str:
    if fee is None or not fee.enabled or not (fee.fixed_amount or fee.percent_bp):
        return _("no fee")
    parts = [format_money(fee.fixed_amount, "EUR", language)] if fee.fixed_amount else []
    if fee.percent_bp:
        parts.append(percent_text(fee.percent_bp, language))
    return _("fee %(fee)s") % {"fee": " + ".join(parts)}


def methods_with_fees(brand: Brand, language: str) -> list[tuple[str, str]]:
    """The brand's online payment methods, each labelled with its fee."""
    enabled = set(enabled_online_methods(brand))
    fees = fees_of(brand)
    return [
        (value, f"{label} · {fee_text(fees.get(value), language)}")
        for value, label in METHOD_CHOICES
        if value in enabled
    ]


@dataclass
class Choices:
    """What the page offers for a brand: its top-up amounts and its bundles."""

    topup: Product | None
    amounts: list[tuple[str, str]]
    bundles: list[Product]

    @property
    def bundle_items(self) -> list[tuple[str, Product]]:
        return [(f"bundle:{p.pk}", p) for p in self.bundles]

    def items(self) -> list[tuple[str, str]]:
        return self.amounts + [(value, p.name) for value, p in self.bundle_items]


def _choices(brand: Brand, language: str) -> Choices:
    topup = catalog.topup_product_for(brand)
    amounts = []
    if topup is not None:
        amounts = [(f"amount:{a}", format_money(a, topup.currency, language)) for a in topup.topup_choices()]
    return Choices(topup=topup, amounts=amounts, bundles=list(catalog.bundles_for(brand)))


def _preselected(data: QueryDict) -> tuple[Product | None, Brand | None]:
    """The bundle (or only the brand) a catalogue button carried."""
    raw = data.get("product", "")
    if raw.isascii() and raw.isdigit() and len(raw) < 12:
        product = Product.objects.select_related("brand").filter(pk=int(raw), active=True, kind="bundle").first()
        if product is not None:
            return product, product.brand
    code = data.get("brand", "")
    brand = Brand.objects.filter(code=code).first() if code and len(code) <= 32 else None
    return None, brand


def checkout(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    if customer is not None and not customer.email_verified:
        messages.warning(request, _("Please verify your e-mail address first: open the link we e-mailed you."))
        return redirect("portal:account")
    language = get_language() or "en"
    data = request.POST if request.method == "POST" else request.GET
    product, brand = _preselected(data)
    number_form = TopupNumberForm(data if "number" in data else None)
    line = None
    if number_form.is_bound and number_form.is_valid():
        msisdn = number_form.cleaned_data["number"]
        try:
            line = _look_up(request, msisdn, data.get("seen", ""))
        except DomainError as error:
            number_form.add_error("number", str(error))
    notice = ""
    if line is not None:
        if brand is not None and brand.pk != line.brand_id:
            notice = _("This number is with %(brand)s: choose one of its top-ups or bundles.") % {
                "brand": line.brand.name
            }
            product = None
        brand = line.brand
    own_lines = customers.lines_of(customer) if customer is not None else []
    if brand is None:
        return render(
            request, "portal/topup_number.html", {"form": number_form, "own_lines": own_lines, "product": product}
        )

    choices = _choices(brand, language)
    submitted = request.method == "POST" and "checkout" in data
    initial = {"item": f"bundle:{product.pk}" if product else None, "email": customer.email if customer else ""}
    form = CheckoutForm(
        data if submitted else None,
        items=choices.items(),
        methods=methods_with_fees(brand, language),
        guest=customer is None,
        initial=initial,
    )
    quote: Quote | None = None
    if submitted and form.is_valid() and line is not None:
        quote = _quote(form, line, choices, customer)
        if quote is not None and "confirm" in data:
            try:
                quote.check_confirmed(data["confirm"])
            except DomainError as error:  # the choice changed after its price was shown: show the new one
                form.add_error(None, str(error))
            else:
                response = _place(request, form, quote, customer, language)
                if response is not None:
                    return response
                quote = None
    context = {
        "brand": brand,
        "line": line,
        "masked": mask_msisdn(line.msisdn) if line is not None else "",
        "seen": _SEEN.signature(line.msisdn) if line is not None else "",
        "gift": line is not None and customer is not None and not customers.owns_line(customer=customer, line=line),
        "number_form": number_form,
        "form": form,
        "choices": choices,
        "selected": str(form["item"].value() or ""),
        "quote": quote,
        "notice": notice,
        "product": product,
        "own_lines": own_lines,
        "form_key": new_form_key(),
    }
    return render(request, "portal/topup.html", context)


def _quote(form: CheckoutForm, line: Line, choices: Choices, customer: User | None) -> Quote | None:
    bundle_id = form.bundle_id
    product = next((p for p in choices.bundles if p.pk == bundle_id), None) if bundle_id else choices.topup
    if product is None:
        form.add_error("item", _("Choose a top-up amount or a bundle."))
        return None
    try:
        return quote_order(
            line=line,
            product=product,
            method=form.cleaned_data["method"],
            topup_amount=form.topup_amount,
            channel=Channel.WEB,
            customer_id=customer.pk if customer is not None else None,
            promo_code=form.cleaned_data["promo_code"],
        )
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return None


def _place(
    request: HttpRequest, form: CheckoutForm, quote: Quote, customer: User | None, language: str
) -> HttpResponse | None:
    """Place the order and send the buyer on to pay: once per form key, however often it is sent.
    The key is claimed (committed) first, as the payment is started by an HTTP call outside any
    transaction; a refusal frees it. Returns None with the refusal on the form."""

    def place() -> Done:
        throttles.take(_budget(request, guest=GUEST_ORDERS, customer=CUSTOMER_ORDERS))
        with transaction.atomic():
            order = orders.place_order(
                quote=quote, customer=customer, language=language, email=form.cleaned_data["email"]
            )
        return Done(url=payment_url(order, language))

    scope = f"user:{customer.pk}" if customer is not None else GUEST_SCOPE
    try:
        return submit_once(request, scope=scope, run=place, claim_first=True)
    except DomainError as error:
        form.add_error(None, str(error))
        return None
