"""Forms of the cashier's POS page."""

from django import forms
from django.utils.translation import gettext_lazy as _


class NumberForm(forms.Form):
    number = forms.CharField(
        label=_("Customer's mobile number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "autofocus": True}),
    )


class ConfirmForm(forms.Form):
    number = forms.CharField(required=False, widget=forms.HiddenInput, max_length=32)
    choice = forms.RegexField(
        regex=r"^(bundle:[\w-]{1,48}|topup:\d{1,7}|pin:[\w-]{1,32}:\d{1,7})$", widget=forms.HiddenInput
    )
    # One per confirm page: a second submit of the same page shows the first sale instead of selling again.
    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
