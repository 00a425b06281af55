"""Kiosk forms: typed on an on-screen keypad, so digits only and short."""

from django import forms
from django.utils.translation import gettext_lazy as _

from simrenew.web.portal.forms import MsisdnField, ascii_digits


def keypad_attrs(**extra: str) -> dict[str, str]:
    # inputmode=none: the kiosk's own keypad is used, not the tablet's keyboard.
    return {"inputmode": "none", "autocomplete": "off", "class": "keypad-input", **extra}


class NumberForm(forms.Form):
    number = MsisdnField(
        help_text="",
        mistyped=_("This is not a Belgian mobile number. Type its 10 digits, like 0470 12 34 56."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["number"].widget.attrs.update(keypad_attrs(maxlength="13"))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from the SMS"),
        min_length=6,
        max_length=6,
        error_messages={"min_length": _("The code has 6 digits."), "max_length": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs=keypad_attrs(maxlength="6")),
    )

    def clean_code(self) -> str:
        return ascii_digits(self.cleaned_data["code"], length=6, message=_("The code has 6 digits."))


class VoucherForm(forms.Form):
    pin = forms.CharField(
        label=_("Voucher code (PIN)"),
        min_length=13,
        max_length=15,
        widget=forms.TextInput(attrs=keypad_attrs(maxlength="15")),
    )

    def clean_pin(self) -> str:
        return ascii_digits(self.cleaned_data["pin"], length=(13, 15), message=_("A voucher code has only digits."))


class EnrolForm(forms.Form):
    # Typed once by the installer, on the screen's own keyboard (letters and digits).
    code = forms.CharField(
        label=_("Enrolment code"),
        max_length=20,
        help_text=_("Issued in the back office under Kiosks. A code works once, for one screen, for a few minutes."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "aria-describedby": "code-help",
            }
        ),
    )
