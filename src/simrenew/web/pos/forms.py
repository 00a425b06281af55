"""Forms of the cashier's POS page."""

import re

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
    # re.ASCII: \d and \w without other scripts' digits, which int() would read as another amount.
    choice = forms.RegexField(
        regex=re.compile(r"^(bundle:[\w-]{1,48}|topup:\d{1,7}|pin:[\w-]{1,32}:\d{1,7})$", re.ASCII),
        widget=forms.HiddenInput,
    )
    # The page's one-time `form_key` is checked by terminals.idempotency.submit_once, not here.
