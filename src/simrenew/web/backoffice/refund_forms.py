"""The back office's refund form: an amount in euros (ASCII digits, a comma or a point before the
cents), the reason, and whether to refund without taking back what the order delivered."""

from django import forms
from django.utils.translation import gettext_lazy as _

from simrenew.kit.parse import euro_cents, is_storable_text
from simrenew.orders.refunds import REASON_MAX


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
        cents = euro_cents(str(self.cleaned_data["amount"]))
        if cents is None:
            raise forms.ValidationError(_("Enter an amount in euros, such as 12.50."))
        return cents  # zero, or more than is left: the refund says what it may be (RefundAmountInvalid)

    def clean_reason(self) -> str:
        reason = " ".join(str(self.cleaned_data["reason"]).split())
        if not reason or not is_storable_text(reason):
            raise forms.ValidationError(_("Give the reason for the refund."))
        return reason
