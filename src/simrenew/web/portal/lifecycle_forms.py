"""Forms of the portal's auto-renew and message-preference pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from simrenew.brands.models import PaymentMethod
from simrenew.notifications.kinds import SERVICE_KINDS
from simrenew.notifications.models import NotificationKind
from simrenew.web.portal.forms import EuroAmountField

# A first payment that saves the means for later charges: methods that can give a mandate.
MANDATE_METHOD_CHOICES = [
    (PaymentMethod.BANCONTACT.value, PaymentMethod.BANCONTACT.label),
    (PaymentMethod.CARD.value, PaymentMethod.CARD.label),
    (PaymentMethod.PAYPAL.value, PaymentMethod.PAYPAL.label),
]


class SavePaymentMethodForm(forms.Form):
    method = forms.ChoiceField(label=_("Pay with"), widget=forms.RadioSelect, choices=MANDATE_METHOD_CHOICES)


class SpendingCapForm(forms.Form):
    limit = EuroAmountField(
        label=_("Monthly limit for automatic renewals (€)"),
        required=False,
        max_cents=99_999_99,
        help_text=_("The most auto-renew may charge your saved payment method per calendar month. Empty: no limit."),
    )

    def limit_amount(self) -> int | None:
        """Cents; None: no limit."""
        cents: int | None = self.cleaned_data.get("limit")
        return cents


class NotificationSettingsForm(forms.Form):
    """One e-mail and one SMS checkbox per kind of message, and the separate marketing consent."""

    marketing_email = forms.BooleanField(label=_("Send me offers and promotions by e-mail"), required=False)
    marketing_sms = forms.BooleanField(label=_("Send me offers and promotions by SMS"), required=False)

    def __init__(self, *args: object, initial_choices: dict[str, tuple[bool, bool]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind in SERVICE_KINDS:
            label = NotificationKind(kind).label
            email, sms = initial_choices[kind]
            self.fields[f"{kind}__email"] = forms.BooleanField(
                label=_("%(kind)s by e-mail") % {"kind": label}, required=False, initial=email
            )
            self.fields[f"{kind}__sms"] = forms.BooleanField(
                label=_("%(kind)s by SMS") % {"kind": label}, required=False, initial=sms
            )

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (str(NotificationKind(kind).label), self[f"{kind}__email"], self[f"{kind}__sms"]) for kind in SERVICE_KINDS
        ]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {
            kind: (bool(self.cleaned_data[f"{kind}__email"]), bool(self.cleaned_data[f"{kind}__sms"]))
            for kind in SERVICE_KINDS
        }
