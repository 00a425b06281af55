"""Back office: kiosk cash boxes (kiosks.view_cashboxemptying) — what each should hold, its audit
and its emptyings — and recording an emptying with the count per denomination
(kiosks.empty_cash_box), reconciled against the audit and the ledger, once per form."""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from simrenew.customers.models import User
from simrenew.kiosks import cashbox
from simrenew.kiosks import queries as kiosk_queries
from simrenew.kiosks.models import CashBoxEmptying, Kiosk
from simrenew.kit import parse
from simrenew.kit.errors import DomainError
from simrenew.payments.cash_acceptor import EURO_DENOMINATIONS
from simrenew.staff.permissions import EMPTY_CASH_BOX, VIEW_CASH_BOXES
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.web.staff.access import staff_view

MAX_PIECES = 100_000  # of one denomination in one cash box: far above a full stacker


def _kiosk(code: str) -> Kiosk:
    kiosk = Kiosk.objects.filter(code=code).first()
    if kiosk is None:
        raise Http404()
    return kiosk


def _denominations(kiosk: Kiosk) -> list[int]:
    """The values to count: what the kiosk takes, and anything else the audit says went in."""
    values = {d.amount for d in EURO_DENOMINATIONS} | set(cashbox.expected_in_box(kiosk).counts)
    return sorted(values, reverse=True)


class CountForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: object, values: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.values = values
        for value in values:
            self.fields[f"count_{value}"] = forms.CharField(
                max_length=6, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
            )

    def fields_by_value(self) -> list[tuple[int, forms.BoundField]]:
        return [(value, self[f"count_{value}"]) for value in self.values]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        counted: dict[int, int] = {}
        for value in self.values:
            name = f"count_{value}"
            raw = str(cleaned.get(name) or "").strip()
            if not raw:
                continue
            number = parse.whole_number_or_none(raw, minimum=0, maximum=MAX_PIECES)
            if number is None:
                self.add_error(name, _("Type how many, with the digits 0 to 9."))
                continue
            counted[value] = number
        cleaned["counted"] = counted
        return cleaned


@staff_view(VIEW_CASH_BOXES)
def cash_boxes(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/cash_boxes.html", {"rows": kiosk_queries.cash_boxes()})


def _page(request: HttpRequest, kiosk: Kiosk, form: CountForm, error: DomainError | None = None) -> HttpResponse:
    expected = cashbox.expected_in_box(kiosk)
    return render(
        request,
        "backoffice/cash_box.html",
        {
            "kiosk": kiosk,
            "expected": expected,
            "expected_rows": [
                (value, count, value * count) for value, count in sorted(expected.counts.items(), reverse=True)
            ],
            "events": kiosk_queries.cash_box_events(kiosk),
            "emptyings": kiosk_queries.emptyings_of(kiosk),
            "form": form,
            "form_key": new_form_key(),
            "error": error,
        },
        status=error.status if error else (400 if form.errors else 200),
    )


@staff_view(VIEW_CASH_BOXES)
def cash_box(request: HttpRequest, code: str) -> HttpResponse:
    kiosk = _kiosk(code)
    return _page(request, kiosk, CountForm(values=_denominations(kiosk)))


@staff_view(EMPTY_CASH_BOX)
def empty_cash_box(request: HttpRequest, code: str) -> HttpResponse:
    kiosk = _kiosk(code)
    if request.method != "POST":
        return _page(request, kiosk, CountForm(values=_denominations(kiosk)))
    form = CountForm(request.POST, values=_denominations(kiosk))
    if not form.is_valid():
        return _page(request, kiosk, form)

    user = request.user
    assert isinstance(user, User)  # staff_view let in a logged-in staff member only

    def record() -> Done:
        emptying = cashbox.empty_cash_box(
            kiosk=kiosk, counted=form.cleaned_data["counted"], by=user, note=form.cleaned_data["note"]
        )
        return Done(
            url=reverse("backoffice:cash_box_emptying", kwargs={"code": kiosk.code, "emptying_id": emptying.pk})
        )

    try:
        # One count is one emptying, however often the form is sent.
        return submit_once(request, scope=f"user:{request.user.pk}", run=record)
    except DomainError as error:
        return _page(request, kiosk, form, error)


@staff_view(VIEW_CASH_BOXES)
def emptying(request: HttpRequest, code: str, emptying_id: int) -> HttpResponse:
    kiosk = _kiosk(code)
    found = CashBoxEmptying.objects.filter(kiosk=kiosk, pk=emptying_id).select_related("emptied_by").first()
    if found is None:
        raise Http404()
    values = sorted({int(v) for v in found.counted} | {int(v) for v in found.expected}, reverse=True)
    rows = [(value, found.expected.get(str(value), 0), found.counted.get(str(value), 0)) for value in values]
    return render(
        request,
        "backoffice/cash_box_emptying.html",
        {
            "kiosk": kiosk,
            "emptying": found,
            "rows": [(v, e, c, (c - e) * v) for v, e, c in rows],
            "ledger_difference": found.counted_amount - found.ledger_amount,
        },
    )
