"""Forms of the help centre (search, contact) and of customer service's answers."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError
from simrenew.kit.phone import normalize_msisdn
from simrenew.support import articles
from simrenew.support.models import CaseStatus, Topic
from simrenew.support.service import MESSAGE_MAX


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search the help centre"), max_length=articles.QUERY_MAX, required=False)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We answer by e-mail, in the language of this page."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=[("", _("Choose a topic")), *Topic.choices])
    number = forms.CharField(
        label=_("Mobile number the question is about (optional)"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    message = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("Never write your password, a card number or a voucher PIN here."),
        error_messages={"required": _("Write your message.")},
    )
    reference = forms.CharField(
        label=_("Case reference (if you are writing about an earlier message)"),
        max_length=16,
        required=False,
    )

    def clean_name(self) -> str:
        return " ".join(str(self.cleaned_data["name"]).split())

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean_number(self) -> str:
        raw = str(self.cleaned_data.get("number") or "").strip()
        if not raw:
            return ""
        try:
            return normalize_msisdn(raw)
        except DomainError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_reference(self) -> str:
        return "".join(str(self.cleaned_data.get("reference") or "").split()).upper()


class AnswerForm(forms.Form):
    message = forms.CharField(
        label=_("Answer"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write your answer.")},
    )


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *CaseStatus.choices], required=False)
    q = forms.CharField(label=_("Reference or e-mail address"), max_length=254, required=False)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"status": CaseStatus.OPEN.value, "search": ""}
        return {"status": self.cleaned_data["status"], "search": self.cleaned_data["q"]}
