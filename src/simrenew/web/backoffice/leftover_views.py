"""Back office: leftover credit of ended lines. Customer service and finance read the requests
(payouts.view_leftovercreditrequest); customer service asks on a customer's behalf
(payouts.request_leftover_payout); finance approves, rejects and pays them in a SEPA file it
downloads for the bank (payouts.decide_leftover_payout). Every action that moves money runs once per
form key however often it is submitted."""

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from simrenew.customers.models import LineLink, User
from simrenew.kit.errors import DomainError
from simrenew.lines import queries as line_queries
from simrenew.payouts import queries, service
from simrenew.payouts.models import LeftoverStatus, PayoutBatch
from simrenew.staff.access import allows
from simrenew.staff.permissions import DECIDE_LEFTOVER_PAYOUT, REQUEST_LEFTOVER_PAYOUT, VIEW_LEFTOVER_REQUEST
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.web.backoffice.leftover_forms import OnBehalfForm, RejectForm
from simrenew.web.staff.access import staff_view

PAGE = 50


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@staff_view(VIEW_LEFTOVER_REQUEST)
@require_safe
def leftover_list(request: HttpRequest) -> HttpResponse:
    """Requests, newest first, by status (`status=requested` is what finance decides on)."""
    status = request.GET.get("status", "")
    if status not in LeftoverStatus.values:
        status = ""
    page = Paginator(queries.requests(status), PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": LeftoverStatus.choices,
        "may_decide": allows(request.user, DECIDE_LEFTOVER_PAYOUT),
        "may_ask": allows(request.user, REQUEST_LEFTOVER_PAYOUT),
        "waiting": queries.approved_by_brand(),
        "batches": PayoutBatch.objects.select_related("brand").order_by("-created_at", "-id")[:10],
        "reject_form": RejectForm(),
        "form_key": new_form_key(),
    }
    return render(request, "backoffice/leftover/list.html", context)


def _decide(request: HttpRequest, action: str, run: Callable[[], object]) -> HttpResponse:
    def act() -> Done:
        with transaction.atomic():
            run()
        messages.success(request, action)
        return Done(url=reverse("backoffice:leftover") + "?status=requested")

    try:
        return submit_once(request, scope=f"user:{request.user.pk}", run=act)
    except DomainError as error:
        messages.error(request, str(error))
    return redirect(reverse("backoffice:leftover") + "?status=requested")


@staff_view(DECIDE_LEFTOVER_PAYOUT)
@require_POST
def leftover_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    return _decide(
        request,
        _("Approved: the credit is set aside for the transfer."),
        lambda: service.approve(request_id=request_id, actor=_staff(request)),
    )


@staff_view(DECIDE_LEFTOVER_PAYOUT)
@require_POST
def leftover_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the refusal; the customer reads it."))
        return redirect(reverse("backoffice:leftover") + "?status=requested")
    return _decide(
        request,
        _("Rejected; the customer is told why."),
        lambda: service.reject(request_id=request_id, actor=_staff(request), reason=form.cleaned_data["reason"]),
    )


@staff_view(DECIDE_LEFTOVER_PAYOUT)
@require_POST
def leftover_batch_create(request: HttpRequest) -> HttpResponse:
    brand_id = request.POST.get("brand", "")
    if not (brand_id.isascii() and brand_id.isdigit()):
        raise Http404()

    def create() -> Done:
        with transaction.atomic():
            batch = service.create_batch(brand_id=int(brand_id), actor=_staff(request))
        messages.success(request, _("SEPA file %(id)s created: download it for the bank.") % {"id": batch.message_id})
        return Done(url=reverse("backoffice:leftover") + f"?batch={batch.pk}")

    try:
        return submit_once(request, scope=f"user:{request.user.pk}", run=create)
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("backoffice:leftover")


@staff_view(DECIDE_LEFTOVER_PAYOUT)
@require_safe
def leftover_batch_file(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = PayoutBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise Http404()
    response = HttpResponse(batch.xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
    response["Cache-Control"] = "no-store"
    return response


@staff_view(REQUEST_LEFTOVER_PAYOUT)
def leftover_on_behalf(request: HttpRequest) -> HttpResponse:
    """Customer service asks for a customer's leftover credit (on the phone or at the desk)."""
    form = OnBehalfForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def ask() -> Done:
            line = line_queries.line_by_number(data["number"])
            holder = LineLink.objects.filter(line=line).select_related("customer").first()
            service.request_payout(
                line_id=line.pk,
                iban=data["iban"],
                holder_name=data["holder_name"],
                email=data["email"],
                language=data["language"],
                customer=holder.customer if holder else None,
                actor=_staff(request),
            )
            messages.success(request, _("Request recorded; finance approves it and the customer gets an e-mail."))
            return Done(url=reverse("backoffice:leftover") + "?status=requested")

        try:
            return submit_once(request, scope=f"user:{request.user.pk}", run=ask)
        except DomainError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(
                field or ("number" if error.code in {"invalid_msisdn", "unknown_line"} else None), str(error)
            )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "backoffice/leftover/on_behalf.html", {"form": form, "form_key": new_form_key()}, status=status
    )
