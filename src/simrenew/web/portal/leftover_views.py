"""My account: asking for the paid credit left on a line that was terminated or ported out, paid back
by bank transfer to the customer's IBAN (payouts). One request per submitted form key."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from simrenew.customers.models import User
from simrenew.kit.errors import DomainError
from simrenew.lines import queries as line_queries
from simrenew.lines.models import ENDED_STATUSES, Line
from simrenew.payouts import queries as payouts_queries
from simrenew.payouts import service as payouts
from simrenew.payouts.service import HOLDER_NAME_MAX
from simrenew.terminals.idempotency import Done, new_form_key, submit_once


class LeftoverForm(forms.Form):
    iban = forms.CharField(
        label=gettext_lazy("IBAN of the account to pay into"),
        max_length=42,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "BE68 5390 0754 7034"}
        ),
        error_messages={"required": gettext_lazy("Enter the IBAN of the account to pay into.")},
    )
    holder_name = forms.CharField(
        label=gettext_lazy("Account holder's name"),
        max_length=HOLDER_NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": gettext_lazy("Enter the account holder's name as the bank knows it.")},
    )


def _customer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _own_line(request: HttpRequest, line_id: int) -> Line:
    line = Line.objects.select_related("brand").filter(pk=line_id, links__customer=_customer(request)).first()
    if line is None:
        raise Http404()
    return line


def _page(request: HttpRequest, line: Line, form: LeftoverForm | None = None, status: int = 200) -> HttpResponse:
    balances = line_queries.balances(line)
    credit = balances.credit_amount
    fee = line.brand.leftover_refund_fee
    ended = line.status in ENDED_STATUSES
    open_request = payouts_queries.open_request(line)
    context = {
        "line": line,
        "credit": credit,
        "bonus": balances.bonus_amount,
        "fee": fee,
        "payout": max(credit - fee, 0),
        "offered": line.brand.leftover_refund_enabled,
        "ended": ended,
        "open_request": open_request,
        "may_ask": line.brand.leftover_refund_enabled and ended and open_request is None and credit > fee,
        "history": list(payouts_queries.requests_of_line(line)[:10]),
        "form": form or LeftoverForm(initial={"holder_name": _customer(request).full_name}),
        "form_key": new_form_key(),
    }
    return render(request, "portal/leftover.html", context, status=status)


@login_required
def leftover_credit(request: HttpRequest, line_id: int) -> HttpResponse:
    line = _own_line(request, line_id)
    if request.method != "POST":
        return _page(request, line)
    form = LeftoverForm(request.POST)
    if form.is_valid():
        customer = _customer(request)

        def ask() -> Done:
            made = payouts.request_payout(
                line_id=line.pk,
                iban=form.cleaned_data["iban"],
                holder_name=form.cleaned_data["holder_name"],
                email=customer.email,
                language=customer.language or get_language() or "en",
                customer=customer,
                actor=None,
            )
            messages.success(request, _("Your request was received; we will write to you when it is paid."))
            return Done(url=reverse("portal:leftover_credit", kwargs={"line_id": made.line_id}))

        try:
            return submit_once(request, scope=f"user:{customer.pk}", run=ask)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
    return _page(request, _own_line(request, line_id), form, status=400)
