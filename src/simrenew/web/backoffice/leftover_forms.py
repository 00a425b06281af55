"""The back office's leftover credit forms: customer service asking on a customer's behalf, and
finance's reason for a refusal."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from simrenew.payouts.service import HOLDER_NAME_MAX, REASON_MAX


class OnBehalfForm(forms.Form):
    number = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        error_messages={"required": _("Enter the mobile number.")},
    )
    iban = forms.CharField(
        label=_("IBAN of the account to pay into"),
        max_length=42,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the IBAN of the account to pay into.")},
    )
    holder_name = forms.CharField(
        label=_("Account holder's name"),
        max_length=HOLDER_NAME_MAX,
        error_messages={"required": _("Enter the account holder's name as the bank knows it.")},
    )
    email = forms.EmailField(
        label=_("Customer's e-mail address"),
        help_text=_("We write to the customer there when the request is received, paid or refused."),
        error_messages={"required": _("Enter the customer's e-mail address.")},
    )
    language = forms.ChoiceField(label=_("Customer's language"), choices=settings.LANGUAGES, initial="nl")


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent to the customer."),
        error_messages={"required": _("Give the reason for the refusal; the customer reads it.")},
    )
