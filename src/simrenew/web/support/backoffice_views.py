"""Back office: the support inbox (support.view_case) and answering a case by e-mail, closing or
reopening it (support.answer_case). Answers go out in the case's language, kept on the case."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from simrenew.kit.errors import DomainError
from simrenew.staff.permissions import ANSWER_SUPPORT_CASE, VIEW_SUPPORT_CASE
from simrenew.support import queries
from simrenew.support import service as support
from simrenew.support.models import Case, CaseStatus, Direction, Message
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.web.staff.access import staff_view
from simrenew.web.support.forms import AnswerForm, InboxFilterForm


def _case(case_id: int) -> Case:
    case = Case.objects.select_related("line", "line__brand", "customer").filter(pk=case_id).first()
    if case is None:
        raise Http404()
    return case


@staff_view(VIEW_SUPPORT_CASE)
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("status", CaseStatus.OPEN.value)
    form = InboxFilterForm(data)
    filters = form.filters()
    page = Paginator(queries.inbox(**filters), queries.INBOX_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "counts": queries.counts(), "filters": filters}
    return render(request, "backoffice/support/inbox.html", context)


@staff_view(VIEW_SUPPORT_CASE)
@require_safe
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    return render(request, "backoffice/support/case.html", _case_context(case, AnswerForm()))


@staff_view(ANSWER_SUPPORT_CASE)
@require_POST
def answer(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            return submit_once(request, scope=f"user:{request.user.pk}", run=lambda: _answer(request, case, form))
        except DomainError as error:
            form.add_error(None, str(error))
    return render(request, "backoffice/support/case.html", _case_context(case, form), status=400)


@staff_view(ANSWER_SUPPORT_CASE)
@require_POST
def case_status(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    status = request.POST.get("status", "")
    if status not in {CaseStatus.OPEN, CaseStatus.CLOSED}:
        raise Http404()
    with transaction.atomic():
        support.set_status(case=case, status=status)
    messages.success(request, _("The case is closed.") if status == CaseStatus.CLOSED else _("The case is open again."))
    return redirect("backoffice:support_case", case_id=case.pk)


@staff_view(ANSWER_SUPPORT_CASE)
@require_POST
def send_again(request: HttpRequest, case_id: int, message_id: int) -> HttpResponse:
    """An answer whose e-mail could not be sent, sent again (the same message, once it goes)."""
    message = Message.objects.filter(pk=message_id, case_id=case_id, direction=Direction.OUT).first()
    if message is None:
        raise Http404()
    if support.send_answer(message.pk):
        messages.success(request, _("The answer was sent."))
    else:
        messages.error(request, _("The answer could not be sent. Try again later."))
    return redirect("backoffice:support_case", case_id=case_id)


def _answer(request: HttpRequest, case: Case, form: AnswerForm) -> Done:
    support.answer(case=case, staff=request.user, body=form.cleaned_data["message"])
    messages.success(request, _("Your answer is on the case and on its way to the customer."))
    return Done(url=reverse("backoffice:support_case", kwargs={"case_id": case.pk}))


def _case_context(case: Case, form: AnswerForm) -> dict[str, object]:
    return {
        "case": case,
        "conversation": queries.conversation(case),
        "form": form,
        "form_key": new_form_key(),
        "statuses": CaseStatus,
    }
