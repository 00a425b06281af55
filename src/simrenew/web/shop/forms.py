"""Shop desk forms. Every field has a label; errors are shown next to the field."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from simrenew.brands.models import PaymentMethod
from simrenew.identity.documents import countries
from simrenew.identity.models import DocumentType
from simrenew.payments.terminal import APPROVE, DECLINE
from simrenew.shops import queries as shop_queries
from simrenew.web.portal.forms import MsisdnField, choice_field

COUNTER_METHODS = [
    (PaymentMethod.CASH.value, _("Cash (into the till)")),
    (PaymentMethod.TERMINAL_CARD.value, _("Card on the counter terminal")),
]
SANDBOX_OUTCOMES = [(APPROVE, _("Approve the card")), (DECLINE, _("Decline the card"))]


class StaffLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Staff e-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    error_messages = {
        "invalid_login": _("That e-mail address and password do not match a staff account."),
        "inactive": _("This account is inactive."),
        "not_staff": _("This is not a shop staff account. Customers use the self-service portal."),
    }

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()

    def confirm_login_allowed(self, user: object) -> None:
        super().confirm_login_allowed(user)  # type: ignore[arg-type]
        if shop_queries.staff_shop(user) is None:
            raise forms.ValidationError(self.error_messages["not_staff"], code="not_staff")


class FindLineForm(forms.Form):
    number = MsisdnField()


class IdentifyForm(forms.Form):
    document_type = forms.ChoiceField(
        label=_("Document"), choices=DocumentType.choices, widget=forms.RadioSelect, initial=DocumentType.BELGIAN_EID
    )
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=32,
        help_text=_("As printed on the document. It is stored encrypted and shown masked."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    nationality = forms.ChoiceField(label=_("Nationality"))
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    checked_in_person = forms.BooleanField(
        label=_("I checked the original document in person, with its holder, and kept no copy of it"),
        error_messages={"required": _("Tick the box once you have checked the original document in person.")},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choice_field(self, "nationality").choices = [("", "—"), *countries(get_language() or "en")]


class CounterSaleForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Payment"), choices=COUNTER_METHODS, widget=forms.RadioSelect, initial=PaymentMethod.CASH.value
    )
    terminal_outcome = forms.ChoiceField(
        label=_("Test terminal: what the card does"),
        choices=SANDBOX_OUTCOMES,
        widget=forms.RadioSelect,
        initial=APPROVE,
        required=False,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if settings.PAYMENT_TERMINAL != "sandbox":
            del self.fields["terminal_outcome"]


class ShopRenewForm(CounterSaleForm):
    product = forms.ChoiceField(label=_("Bundle"), widget=forms.RadioSelect)
    field_order = ["product", "method", "terminal_outcome"]

    def __init__(self, *args: object, products: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "product").choices = [(str(p.pk), p.name) for p in products]


class ShopTopupForm(CounterSaleForm):
    amount = forms.TypedChoiceField(label=_("Amount"), widget=forms.RadioSelect, coerce=int)
    field_order = ["amount", "method", "terminal_outcome"]

    def __init__(self, *args: object, amounts: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "amount").choices = amounts


class TillDayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
