"""The back office's refund form: an amount in euros (ASCII digits, a comma or a point before the
cents), the reason, and whether to refund without taking back what the order delivered."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from simrenew.kit.parse import is_storable_text
from simrenew.orders.refunds import REASON_MAX

# Up to 9 999 999.99: ASCII digits only (never \d, which reads other scripts' digits too).
EUROS = re.compile(r"^([0-9]{1,7})(?:[.,]([0-9]{1,2}))?$", re.ASCII)


def cents_of(text: str) -> int | None:
    """'12', '12,5', '12.50' → cents; None for anything else."""
    found = EUROS.fullmatch(text.strip().replace("€", "").strip())
    if found is None:
        return None
    euros, cents = found.group(1), (found.group(2) or "0").ljust(2, "0")
    return int(euros) * 100 + int(cents)


class RefundForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount to refund (€)"),
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": _("Enter the amount to refund.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the refund for customer service and finance; not sent to the customer."),
        error_messages={"required": _("Give the reason for the refund.")},
    )
    keep_fulfilment = forms.BooleanField(
        label=_("Refund without taking back the bundle or credit (the customer keeps it)"),
        required=False,
    )

    def clean_amount(self) -> int:
        cents = cents_of(str(self.cleaned_data["amount"]))
        if cents is None or cents <= 0:
            raise forms.ValidationError(_("Enter an amount in euros, such as 12.50."))
        return cents

    def clean_reason(self) -> str:
        reason = " ".join(str(self.cleaned_data["reason"]).split())
        if not reason or not is_storable_text(reason):
            raise forms.ValidationError(_("Give the reason for the refund."))
        return reason
