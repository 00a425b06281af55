"""Back office: kiosk cash boxes (kiosks.view_cashboxemptying) — what each should hold, its audit
and its emptyings — and recording an emptying with the count per denomination
(kiosks.empty_cash_box), reconciled against the audit and the ledger, once per form."""

from dataclasses import dataclass

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
from simrenew.kit.errors import Conflict, DomainError
from simrenew.payments.cash_acceptor import EURO_DENOMINATIONS
from simrenew.staff.permissions import EMPTY_CASH_BOX, VIEW_CASH_BOXES
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.web.staff.access import staff_view

# Of one denomination in one cash box: a full note stacker or coin box holds a few thousand at most,
# so a larger number is a typing error, not a count.
MAX_PIECES = 10_000


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
    """How many notes or coins of each value were counted: every value typed, 0 for none (a blank
    is not a count — an empty form would record an empty box and book the whole amount as missing)."""

    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    # The difference the person confirmed (Check.token, the value of the page's confirm checkbox).
    confirm = forms.CharField(required=False)

    def __init__(self, *args: object, values: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.values = values
        for value in values:
            self.fields[f"count_{value}"] = forms.CharField(
                required=False, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
            )

    def fields_by_value(self) -> list[tuple[int, forms.BoundField]]:
        return [(value, self[f"count_{value}"]) for value in self.values]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        counted: dict[int, int] = {}
        blank: list[str] = []
        for value in self.values:
            name = f"count_{value}"
            raw = str(cleaned.get(name) or "").strip()
            if not raw:
                blank.append(name)
                continue
            try:
                counted[value] = parse.whole_number(raw, minimum=0, maximum=MAX_PIECES)
            except parse.NumberOutOfRange as error:
                self.add_error(name, str(error))
            except DomainError:
                self.add_error(name, _("Type how many, with the digits 0 to 9."))
        if blank and len(blank) == len(self.values):
            self.add_error(
                None,
                _(
                    "Nothing was counted. Type how many notes or coins of each value you took out of the box: "
                    "0 for a value you found none of."
                ),
            )
        else:
            for name in blank:
                self.add_error(name, _("Type how many you counted: 0 if you found none."))
        cleaned["counted"] = counted
        return cleaned


@dataclass(frozen=True)
class Check:
    """A count against what the audit expects in the box: what a confirmation of a difference is for."""

    counted: int
    expected: int
    after_event: int

    @classmethod
    def of(cls, kiosk: Kiosk, counted: dict[int, int]) -> "Check":
        expected = cashbox.expected_in_box(kiosk)
        total = sum(value * count for value, count in counted.items())
        return cls(counted=total, expected=expected.amount, after_event=expected.after_event)

    @classmethod
    def of_emptying(cls, emptying: CashBoxEmptying) -> "Check":
        return cls(counted=emptying.counted_amount, expected=emptying.expected_amount, after_event=emptying.after_event)

    @property
    def difference(self) -> int:
        return self.counted - self.expected

    @property
    def token(self) -> str:
        """What a confirmation is for: this count against this expectation."""
        return f"{self.counted}:{self.expected}:{self.after_event}"


class DifferenceToConfirm(DomainError):
    """Not a failure: the count differs from what the audit expects, and that difference was not
    confirmed yet. Raised before anything is written, so the form key stays free."""

    code = "cash_difference_to_confirm"

    def __init__(self, check: Check) -> None:
        super().__init__()
        self.check = check


class CountChanged(Conflict):
    code = "cash_count_changed"
    default_message = _(
        "The count or what the cash box should hold has changed. Check the difference below, then confirm it."
    )


@staff_view(VIEW_CASH_BOXES)
def cash_boxes(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/cash_boxes.html", {"rows": kiosk_queries.cash_boxes()})


def _page(
    request: HttpRequest,
    kiosk: Kiosk,
    form: CountForm,
    error: DomainError | None = None,
    check: Check | None = None,
) -> HttpResponse:
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
            "check": check,
        },
        status=error.status if error else (400 if form.errors else 200),
    )


@staff_view(VIEW_CASH_BOXES)
def cash_box(request: HttpRequest, code: str) -> HttpResponse:
    kiosk = _kiosk(code)
    return _page(request, kiosk, CountForm(values=_denominations(kiosk)))


@staff_view(EMPTY_CASH_BOX)
def empty_cash_box(request: HttpRequest, code: str) -> HttpResponse:
    """A count equal to what the audit expects is recorded at once; any other count first comes back
    with its difference, and is recorded only when the person confirms that difference."""
    kiosk = _kiosk(code)
    if request.method != "POST":
        return _page(request, kiosk, CountForm(values=_denominations(kiosk)))
    form = CountForm(request.POST, values=_denominations(kiosk))
    if not form.is_valid():
        return _page(request, kiosk, form)

    counted: dict[int, int] = form.cleaned_data["counted"]
    confirmed: str = form.cleaned_data["confirm"]
    user = request.user
    assert isinstance(user, User)  # staff_view let in a logged-in staff member only

    def record() -> Done:
        # In the form key's transaction, after the key is taken: a form sent again once it was
        # recorded is answered with that emptying, not checked anew against the emptied box.
        check = Check.of(kiosk, counted)
        if check.difference and confirmed != check.token:
            raise CountChanged() if confirmed else DifferenceToConfirm(check)
        emptying = cashbox.empty_cash_box(kiosk=kiosk, counted=counted, by=user, note=form.cleaned_data["note"])
        if Check.of_emptying(emptying) != check:
            raise CountChanged()  # something came in meanwhile: rolled back, the key stays free
        return Done(
            url=reverse("backoffice:cash_box_emptying", kwargs={"code": kiosk.code, "emptying_id": emptying.pk})
        )

    try:
        # One count is one emptying, however often the form is sent.
        return submit_once(request, scope=f"user:{user.pk}", run=record)
    except DifferenceToConfirm as asked:
        return _page(request, kiosk, form, check=asked.check)  # nothing booked: confirm the difference first
    except CountChanged as error:
        return _page(request, kiosk, form, error, Check.of(kiosk, counted))
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
