"""The reports' filters: a date range (ISO dates typed with ASCII digits; the last 30 days by default)
and a brand; the commission statement's retailer and month."""

import re
from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from simrenew.reports.model import Period

ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", re.ASCII)
ISO_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$", re.ASCII)
MAX_DAYS = 366
EARLIEST = date(2000, 1, 1)
DEFAULT_DAYS = 30


def _parse_date(raw: str) -> date:
    text = raw.strip()
    try:
        if not ISO_DATE.match(text):
            raise ValueError(text)
        value = date.fromisoformat(text)
    except ValueError:
        raise forms.ValidationError(_("Enter a date as YYYY-MM-DD, for example 2026-03-31."), code="date") from None
    if value < EARLIEST or value.year > 2999:
        raise forms.ValidationError(_("Enter a date between 2000 and 2999."), code="range")
    return value


class PeriodForm(forms.Form):
    start = forms.CharField(label=_("From"), max_length=10, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.CharField(label=_("Until"), max_length=10, widget=forms.DateInput(attrs={"type": "date"}))
    brand = forms.ChoiceField(label=_("Brand"), required=False)

    def __init__(self, data: dict[str, str] | None, *, brands: list[tuple[str, str]], as_of: bool = False) -> None:
        today = timezone.localdate()
        defaults = {
            "start": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
            "end": today.isoformat(),
            "brand": "",
        }
        merged = {**defaults, **{k: v for k, v in (data or {}).items() if k in defaults}}
        super().__init__(merged)
        brand = self.fields["brand"]
        assert isinstance(brand, forms.ChoiceField)
        brand.choices = [("", _("All brands")), *brands]
        if as_of:
            self.fields["end"].label = _("As of the end of")

    def clean_start(self) -> date:
        return _parse_date(self.cleaned_data["start"])

    def clean_end(self) -> date:
        return _parse_date(self.cleaned_data["end"])

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error("end", _("Choose at most %(days)s days.") % {"days": MAX_DAYS})
        return cleaned

    def period(self) -> Period:
        data = self.cleaned_data
        return Period(start=data["start"], end=data["end"], brand=data.get("brand") or None)


class StatementForm(forms.Form):
    retailer = forms.ChoiceField(label=_("Retailer"))
    month = forms.CharField(label=_("Month"), max_length=7, widget=forms.TextInput(attrs={"type": "month"}))

    def __init__(self, data: dict[str, str] | None, *, retailers: list[tuple[str, str]]) -> None:
        super().__init__(data)
        retailer = self.fields["retailer"]
        assert isinstance(retailer, forms.ChoiceField)
        retailer.choices = retailers

    def clean_month(self) -> date:
        text = self.cleaned_data["month"].strip()
        try:
            if not ISO_MONTH.match(text):
                raise ValueError(text)
            value = date.fromisoformat(f"{text}-01")
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, for example 2026-03."), code="month") from None
        if value < EARLIEST or value.year > 2999:
            raise forms.ValidationError(_("Enter a date between 2000 and 2999."), code="range")
        return value
