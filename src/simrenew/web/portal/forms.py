"""Portal forms. Every field has a label; errors come back in the user's language next to the field."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from simrenew.brands.models import online_method_choices
from simrenew.kit import parse
from simrenew.kit.errors import DomainError
from simrenew.kit.money import format_money
from simrenew.kit.phone import MsisdnOtherDigits, normalize_msisdn

METHOD_CHOICES = online_method_choices()


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": _("That e-mail address and password do not match. Check them and try again."),
        "inactive": _("This account is inactive."),
    }

    def clean_username(self) -> str:
        # Addresses are stored in lower case at registration; match them (and the lockout key) so.
        return str(self.cleaned_data["username"]).strip().lower()


def ascii_digits(typed: str, *, length: int | tuple[int, int], message: Promise | str) -> str:
    """A code or PIN typed in a form: its digits 0-9 (spaces dropped), or a ValidationError with
    `message` (also for '²', '①' or another script's digits, which str.isdigit() lets through)."""
    shortest, longest = (length, length) if isinstance(length, int) else length
    if parse.has_other_digits(typed):
        raise forms.ValidationError(str(parse.OtherDigits.default_message))
    try:
        return parse.digits(typed, min_length=shortest, max_length=longest)
    except DomainError as error:
        raise forms.ValidationError(str(message)) from error


class EuroAmountField(forms.CharField):
    """An amount in euros, cleaned to cents (None when left empty): ASCII digits, and a comma or a
    point before the cents (kit.parse.euro_cents).

    A text box, not `type=number`: a browser's number box hands the server only what it can read
    itself, so letters arrive as an empty value (no amount at all) and, in a language that writes
    decimals with a comma, "12,50" may arrive as 1250."""

    MAX_TYPED = 16  # characters: no amount is longer (the box's maxlength; checked here, on the text)

    def __init__(self, *, max_cents: int, **kwargs: Any) -> None:
        attrs = {"inputmode": "decimal", "autocomplete": "off", "maxlength": str(self.MAX_TYPED)}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)
        self.max_cents = max_cents

    def to_python(self, value: object) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        cents = parse.euro_cents(text) if len(text) <= self.MAX_TYPED else None
        if cents is None:
            raise forms.ValidationError(_("Enter an amount in euros, such as 12.50."), code="invalid")
        if cents > self.max_cents:
            raise forms.ValidationError(
                _("Enter an amount of at most %(amount)s."),
                code="max_value",
                params={"amount": format_money(self.max_cents, "EUR", get_language() or "en")},
            )
        return cents


class MsisdnField(forms.CharField):
    """A Belgian mobile number in any usual form, cleaned to E.164."""

    def __init__(self, *, mistyped: Promise | None = None, **kwargs: object) -> None:
        """`mistyped`: the message for a number that is not a Belgian mobile one, where the usual one's
        example does not fit (a kiosk's keypad has no + and no space)."""
        self.mistyped = mistyped
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", _("For example 0470 12 34 56 or +32 470 12 34 56"))
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value: object) -> str:
        text = super().clean(value)
        try:
            return normalize_msisdn(text)
        except MsisdnOtherDigits as error:
            raise forms.ValidationError(str(error.message)) from error
        except DomainError as error:
            raise forms.ValidationError(str(self.mistyped or error.message)) from error


class LinkLineForm(forms.Form):
    number = MsisdnField()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from the SMS"),
        min_length=6,
        max_length=6,
        error_messages={"min_length": _("The code has 6 digits."), "max_length": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
    )

    def clean_code(self) -> str:
        return ascii_digits(self.cleaned_data["code"], length=6, message=_("The code has 6 digits."))


class RenewForm(forms.Form):
    product = forms.ChoiceField(label=_("Bundle"), widget=forms.RadioSelect)
    method = forms.ChoiceField(label=_("Payment method"), widget=forms.RadioSelect)
    promo_code = forms.CharField(label=_("Promo code (optional)"), required=False, max_length=32)

    def __init__(self, *args: object, products: list, methods: list[tuple[str, str]], **kwargs: object) -> None:
        """`methods`: (value, label) of each way to pay, its label saying its fee (as on the top-up page)."""
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choice_field(self, "product").choices = [(str(p.pk), p.name) for p in products]
        choice_field(self, "method").choices = methods


class TopupNumberForm(forms.Form):
    number = MsisdnField()


class TopupForm(forms.Form):
    amount = forms.TypedChoiceField(label=_("Amount"), widget=forms.RadioSelect, coerce=int)
    method = forms.ChoiceField(label=_("Payment method"), widget=forms.RadioSelect, choices=METHOD_CHOICES)
    promo_code = forms.CharField(label=_("Promo code (optional)"), required=False, max_length=32)

    def __init__(self, *args: object, amounts: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choice_field(self, "amount").choices = amounts


class VerifyReceiptForm(forms.Form):
    number = forms.CharField(label=_("Receipt number"), max_length=20)
    code = forms.CharField(label=_("Verification code"), max_length=12)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted for good and cannot be brought back."),
        required=True,
        error_messages={"required": _("Tick the box to confirm that you want to delete your account.")},
    )


class CheckoutForm(forms.Form):
    """What to buy for a line and how to pay: one choice among the brand's top-up amounts and bundles
    (`item` is "amount:<cents>" or "bundle:<product id>"), an online payment method, and where the
    receipt goes. The number is the page's own field (TopupNumberForm)."""

    item = forms.ChoiceField(
        label=_("Top-up or bundle"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a top-up amount or a bundle.")},
    )
    method = forms.ChoiceField(
        label=_("Payment method"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you want to pay.")},
    )
    email = forms.EmailField(
        label=_("E-mail for the receipt (optional)"),
        required=False,
        max_length=254,
        help_text=_("We send the receipt and a link to your order here. No account is made."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    promo_code = forms.CharField(label=_("Promo code (optional)"), required=False, max_length=32)

    def __init__(
        self,
        *args: object,
        items: list[tuple[str, str]],
        methods: list[tuple[str, str]],
        guest: bool = True,
        **kwargs: object,
    ) -> None:
        """`guest`: nobody is logged in, so the e-mail field says no account is made (a customer has one)."""
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choice_field(self, "item").choices = items
        choice_field(self, "method").choices = methods
        if not guest:
            self.fields["email"].help_text = _("We send the receipt and a link to your order here.")

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"] or "").strip().lower()

    @property
    def bundle_id(self) -> int | None:
        kind, _sep, value = str(self.cleaned_data.get("item", "")).partition(":")
        return int(value) if kind == "bundle" else None

    @property
    def topup_amount(self) -> int | None:
        kind, _sep, value = str(self.cleaned_data.get("item", "")).partition(":")
        return int(value) if kind == "amount" else None
