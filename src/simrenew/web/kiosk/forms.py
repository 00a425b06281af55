"""Kiosk forms: typed on an on-screen keypad, so digits only and short."""

from django import forms
from django.utils.translation import gettext_lazy as _

from simrenew.web.portal.forms import MsisdnField


def keypad_attrs(**extra: str) -> dict[str, str]:
    # inputmode=none: the kiosk's own keypad is used, not the tablet's keyboard.
    return {"inputmode": "none", "autocomplete": "off", "class": "keypad-input", **extra}


class NumberForm(forms.Form):
    number = MsisdnField(help_text="")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["number"].widget.attrs.update(keypad_attrs(maxlength="13"))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from the SMS"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs=keypad_attrs(maxlength="6")),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit():
            raise forms.ValidationError(_("The code has 6 digits."))
        return code


class VoucherForm(forms.Form):
    pin = forms.CharField(
        label=_("Voucher code (PIN)"),
        min_length=13,
        max_length=15,
        widget=forms.TextInput(attrs=keypad_attrs(maxlength="15")),
    )

    def clean_pin(self) -> str:
        pin = "".join(self.cleaned_data["pin"].split())
        if not pin.isdigit():
            raise forms.ValidationError(_("A voucher code has only digits."))
        return pin
