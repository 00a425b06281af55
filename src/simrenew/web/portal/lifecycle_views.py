"""Portal pages of the renewal lifecycle: a line's auto-renew switch, the saved payment method and
the monthly limit; which messages a customer gets by e-mail and SMS, and marketing consent."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from simrenew.catalog import queries as catalog
from simrenew.catalog.models import Product
from simrenew.customers.models import User
from simrenew.kit import parse
from simrenew.kit.errors import DomainError
from simrenew.kit.money import typed_amount
from simrenew.lines import queries as line_queries
from simrenew.lines.models import Line
from simrenew.notifications import preferences
from simrenew.orders import service as orders
from simrenew.orders.models import Channel
from simrenew.orders.quotes import quote_order
from simrenew.payments import service as saved_payments
from simrenew.payments.models import Mandate, MandateStatus
from simrenew.payments.provider import ProviderError
from simrenew.renewals import service as renewals
from simrenew.renewals.models import RenewalAttempt
from simrenew.web.portal.lifecycle_forms import NotificationSettingsForm, SavePaymentMethodForm, SpendingCapForm


def _customer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _own_line(request: HttpRequest, line_id: int) -> Line:
    line = Line.objects.select_related("brand").filter(pk=line_id, links__customer=_customer(request)).first()
    if line is None:
        raise Http404()
    return line


def _renewal_product(line: Line) -> Product | None:
    """What auto-renew renews: the last bundle of the line, or the brand's first bundle."""
    last = line.periods.select_related("product").order_by("-ends_at").first()
    if last is not None and last.product.active:
        return last.product
    return catalog.bundles_for(line.brand).first()


@login_required
def auto_renew(request: HttpRequest, line_id: int) -> HttpResponse:
    customer = _customer(request)
    line = _own_line(request, line_id)
    cap_form = SpendingCapForm(
        request.POST if request.POST.get("action") == "cap" else None,
        initial={"limit": _euros(renewals.spending_cap(customer))},
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action in {"on", "off"}:
            with transaction.atomic():
                renewals.set_auto_renew(line=line, customer=customer, enabled=action == "on")
            messages.success(request, _("Auto-renew is on.") if action == "on" else _("Auto-renew is off."))
            return redirect("portal:auto_renew", line_id=line.pk)
        if action == "cap" and cap_form.is_valid():
            renewals.set_spending_cap(customer=customer, monthly_limit_amount=cap_form.limit_amount())
            messages.success(request, _("Your monthly limit is saved."))
            return redirect("portal:auto_renew", line_id=line.pk)
    line.refresh_from_db()
    context = {
        "line": line,
        "balances": line_queries.balances(line),
        "period": line_queries.current_period(line),
        "next_renewal_at": renewals.next_renewal_at(line),
        "product": _renewal_product(line),
        "mandate": saved_payments.valid_mandate(customer_id=customer.pk),
        "attempt": _own_attempt(line, customer),
        "cap_form": cap_form,
        "save_form": SavePaymentMethodForm(initial={"method": "bancontact"}),
    }
    return render(request, "portal/auto_renew.html", context)


def _own_attempt(line: Line, customer: User) -> RenewalAttempt | None:
    """The line's renewal under way, if this customer pays it (not one a previous holder's card pays)."""
    attempt = renewals.open_attempt(line)
    return attempt if attempt is not None and attempt.customer_id == customer.pk else None


def _euros(amount: int | None) -> str | None:
    return None if amount is None else typed_amount(amount, get_language() or "en")


@login_required
@require_POST
def save_payment_method(request: HttpRequest, line_id: int) -> HttpResponse:
    """Renew now with a first payment that also saves the means for automatic renewals."""
    customer = _customer(request)
    line = _own_line(request, line_id)
    form = SavePaymentMethodForm(request.POST)
    product = _renewal_product(line)
    if not form.is_valid() or product is None:
        messages.error(request, _("Choose how to pay."))
        return redirect("portal:auto_renew", line_id=line.pk)
    try:
        with transaction.atomic():
            renewals.set_auto_renew(line=line, customer=customer, enabled=True)
            quote = quote_order(
                line=line,
                product=product,
                method=form.cleaned_data["method"],
                channel=Channel.WEB,
                customer_id=customer.pk,
            )
            order = orders.place_order(quote=quote, customer=customer, language=get_language() or "en")
        if not order.is_open:
            return redirect("portal:order", number=order.number)  # nothing to pay (a free bundle)
        payment = orders.start_payment(
            order=order,
            redirect_url=settings.PUBLIC_URL + reverse("portal:order_return", kwargs={"number": order.number}),
            webhook_url=settings.PUBLIC_URL + reverse("mollie_webhook"),
            save_mandate=True,
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("portal:auto_renew", line_id=line.pk)
    return redirect(payment.checkout_url or reverse("portal:order", kwargs={"number": order.number}))


@login_required
@require_POST
def remove_payment_method(request: HttpRequest, mandate_id: int) -> HttpResponse:
    customer = _customer(request)
    mandate = Mandate.objects.filter(pk=mandate_id, customer=customer, status=MandateStatus.VALID).first()
    if mandate is None:
        raise Http404()
    try:
        saved_payments.revoke_mandate(mandate=mandate)
    except ProviderError:
        messages.error(request, _("The payment service cannot be reached right now. Please try again."))
    else:
        messages.success(request, _("The saved payment method is removed."))
    target = parse.whole_number_or_none(request.POST.get("line"), minimum=1, maximum=parse.MAX_ID)
    if target is not None:
        return redirect("portal:auto_renew", line_id=target)
    return redirect("portal:account")


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    current = preferences.preferences_of(customer.pk)
    email_consent, sms_consent = preferences.marketing_consent(customer.pk)
    form = NotificationSettingsForm(
        request.POST or None,
        initial_choices=current,
        initial={"marketing_email": email_consent, "marketing_sms": sms_consent},
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            preferences.set_preferences(customer_id=customer.pk, choices=form.choices())
            preferences.set_marketing_consent(
                customer_id=customer.pk,
                email=form.cleaned_data["marketing_email"],
                sms=form.cleaned_data["marketing_sms"],
            )
        messages.success(request, _("Your message settings are saved."))
        return redirect("portal:notification_settings")
    return render(request, "portal/notification_settings.html", {"form": form})
