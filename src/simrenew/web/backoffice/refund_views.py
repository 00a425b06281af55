"""Back office: an order's refunds for customer service and finance (orders.view_order); refunding a
paid online order in full or in part, and sending a failed refund again (orders.refund_order). Both
actions take money back out, so each runs once per form key however often it is submitted."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from simrenew.kit.errors import DomainError
from simrenew.kit.money import format_money, typed_amount
from simrenew.orders import refunds
from simrenew.orders.models import Order, Refund, RefundStatus
from simrenew.staff.access import allows
from simrenew.staff.permissions import REFUND_ORDER, VIEW_ORDER
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.web.backoffice.refund_forms import RefundForm
from simrenew.web.staff.access import staff_view

PAGE = 50


def _order(number: str) -> Order:
    order = Order.objects.select_related("line", "line__brand", "product", "customer").filter(number=number).first()
    if order is None:
        raise Http404()
    return order


def _initial_amount(amount: int) -> str:
    return typed_amount(amount, get_language() or "en")


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _page(request: HttpRequest, order: Order, form: RefundForm | None = None, status: int = 200) -> HttpResponse:
    refundable = refunds.refundable_amount(order)
    if form is None:
        form = RefundForm(initial={"amount": _initial_amount(refundable)})
    context = {
        "order": order,
        # The product as staff read it (their page's language); the customer's language by its name.
        "product_name": order.product.name_in(get_language() or "en"),
        "customer_language": _language_name(order.language),
        "refunds": list(order.refunds.select_related("requested_by").order_by("-created_at", "-id")),
        "refundable": refundable,
        "may_refund": allows(request.user, REFUND_ORDER),
        "form": form,
        "form_key": new_form_key(),
    }
    return render(request, "backoffice/refunds/order.html", context, status=status)


@staff_view(VIEW_ORDER)
@require_safe
def refund_list(request: HttpRequest) -> HttpResponse:
    """Refunds, newest first; `status=failed` shows those that need sending again. `q` finds an order."""
    number = request.GET.get("q", "").strip().upper()
    if number:
        if Order.objects.filter(number=number).exists():
            return redirect("backoffice:order", number=number)
        messages.error(request, _("No order has the number %(number)s.") % {"number": number[:20]})
    status = request.GET.get("status", "")
    found = Refund.objects.select_related("order").order_by("-created_at", "-id")
    if status == "failed":
        found = found.filter(status__in=[RefundStatus.FAILED, RefundStatus.CANCELED])
    elif status == "open":
        found = found.exclude(status__in=list(refunds.FINAL))
    else:
        status = ""
    page = Paginator(found, PAGE).get_page(request.GET.get("page"))
    return render(request, "backoffice/refunds/list.html", {"page": page, "status": status})


@staff_view(VIEW_ORDER)
@require_safe
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, _order(number))


@staff_view(REFUND_ORDER)
@require_POST
def refund_create(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(number)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            return submit_once(request, scope=f"user:{request.user.pk}", run=lambda: _refund(request, order, form))
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
    return _page(request, _order(number), form, status=400)


def _refund(request: HttpRequest, order: Order, form: RefundForm) -> Done:
    refund = refunds.request_refund(
        order_id=order.pk,
        amount=form.cleaned_data["amount"],
        reason=form.cleaned_data["reason"],
        actor=request.user,  # type: ignore[arg-type]
        reverse_fulfilment=not form.cleaned_data["keep_fulfilment"],
    )
    amount = format_money(refund.amount, refund.currency, get_language() or "en")
    messages.success(
        request, _("Refund of %(amount)s recorded; it is being sent to the payment provider.") % {"amount": amount}
    )
    return Done(url=reverse("backoffice:order", kwargs={"number": order.number}))


@staff_view(REFUND_ORDER)
@require_POST
def refund_retry(request: HttpRequest, refund_id: int) -> HttpResponse:
    refund = Refund.objects.select_related("order").filter(pk=refund_id).first()
    if refund is None:
        raise Http404()
    number = refund.order.number

    def send_again() -> Done:
        with transaction.atomic():
            refunds.retry_refund(refund_id=refund_id, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("The refund is being sent again."))
        return Done(url=reverse("backoffice:order", kwargs={"number": number}))

    try:
        return submit_once(request, scope=f"user:{request.user.pk}", run=send_again)
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("backoffice:order", number=number)
