"""Back office: the daily reconciliation (finance.view_reconciliationrun) — each day's run with the
provider's figures and the differences found — running a day again (finance.run_reconciliation),
and resolving a difference with a recorded decision (finance.resolve_difference), once per form."""

import re
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from simrenew.customers.models import User
from simrenew.finance import descriptions, queries, service
from simrenew.finance.models import Difference, ReconciliationRun, Resolution
from simrenew.kit import clock
from simrenew.kit.errors import DomainError
from simrenew.staff.access import allows
from simrenew.staff.permissions import RESOLVE_DIFFERENCE, RUN_RECONCILIATION, VIEW_RECONCILIATION
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.web.staff.access import staff_view

ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class RunForm(forms.Form):
    day = forms.CharField(label=gettext_lazy("Day"), max_length=10, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_day(self) -> date:
        raw = self.cleaned_data["day"].strip()
        try:
            if not ISO_DATE.match(raw):
                raise ValueError
            day = date.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError(gettext_lazy("Give a date like 2026-03-31.")) from None
        if day > timezone.localdate(clock.now()):
            raise forms.ValidationError(gettext_lazy("A day in the future has nothing to reconcile yet."))
        return day


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=gettext_lazy("Decision"), choices=Resolution.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=gettext_lazy("Note (why)"),
        max_length=service.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Write down why: the note is required.")},
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # staff_view let in a logged-in staff member only
    return user


def _runs_page(request: HttpRequest, form: RunForm | None = None, status: int = 200) -> HttpResponse:
    yesterday = timezone.localdate(clock.now()) - timedelta(days=1)
    context = {
        "runs": queries.runs(),
        "form": form or RunForm(initial={"day": yesterday.isoformat()}),
        "form_key": new_form_key(),
        "may_run": allows(request.user, RUN_RECONCILIATION),
    }
    return render(request, "backoffice/reconciliation/runs.html", context, status=status)


@staff_view(VIEW_RECONCILIATION)
@require_safe
def runs(request: HttpRequest) -> HttpResponse:
    return _runs_page(request)


@staff_view(RUN_RECONCILIATION)
@require_POST
def run_day(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST)
    if not form.is_valid():
        return _runs_page(request, form, status=400)
    day = form.cleaned_data["day"]
    user = _user(request)

    def reconcile() -> Done:
        run = service.reconcile_day(day=day, actor=user)
        return Done(url=reverse("backoffice:reconciliation_run", kwargs={"run_id": run.pk}))

    try:
        # Reads the provider over HTTP, so not inside the form key's transaction.
        return submit_once(request, scope=f"user:{user.pk}", run=reconcile, claim_first=True)
    except DomainError as error:
        form.add_error(None, str(error))
        return _runs_page(request, form, status=error.status)


def _run(run_id: int) -> ReconciliationRun:
    run = ReconciliationRun.objects.filter(pk=run_id).select_related("last_run_by").first()
    if run is None:
        raise Http404()
    return run


@staff_view(VIEW_RECONCILIATION)
@require_safe
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    rows = [(d, descriptions.describe(d)) for d in queries.differences_of(run)]
    context = {
        "run": run,
        "summary": run.summary,
        "rows": rows,
        "open_count": sum(1 for d, _text in rows if d.is_open),
        "may_resolve": allows(request.user, RESOLVE_DIFFERENCE),
    }
    return render(request, "backoffice/reconciliation/run.html", context)


def _difference(difference_id: int) -> Difference:
    found = Difference.objects.filter(pk=difference_id).select_related("run", "resolved_by").first()
    if found is None:
        raise Http404()
    return found


def _resolve_page(
    request: HttpRequest, difference: Difference, form: ResolveForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "difference": difference,
        "description": descriptions.describe(difference),
        "form": form or ResolveForm(),
        "form_key": new_form_key(),
    }
    return render(request, "backoffice/reconciliation/resolve.html", context, status=status)


@staff_view(RESOLVE_DIFFERENCE)
def resolve(request: HttpRequest, difference_id: int) -> HttpResponse:
    difference = _difference(difference_id)
    if request.method != "POST":
        return _resolve_page(request, difference)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _resolve_page(request, difference, form, status=400)
    user = _user(request)

    def decide() -> Done:
        with transaction.atomic():
            service.resolve_difference(
                difference_id=difference.pk,
                resolution=form.cleaned_data["resolution"],
                note=form.cleaned_data["note"],
                actor=user,
            )
        messages.success(request, _("Decision recorded."))
        return Done(url=reverse("backoffice:reconciliation_run", kwargs={"run_id": difference.run_id}))

    try:
        return submit_once(request, scope=f"user:{user.pk}", run=decide)
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return _resolve_page(request, _difference(difference_id), form, status=error.status)
