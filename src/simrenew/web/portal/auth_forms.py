"""Forms of signing up and of the customer's own details (name and postal address)."""

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.forms import BoundField
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from simrenew.customers import address as addresses
from simrenew.customers.address import Address, parse_address
from simrenew.customers.models import User
from simrenew.kit.errors import DomainError

ADDRESS_FIELDS = ("street", "postcode", "city", "country")


class NameAndAddressForm(forms.Form):
    """The customer's name (required) and postal address (optional, whole or empty)."""

    full_name = forms.CharField(label=_("Name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    street = forms.CharField(
        label=_("Street and number"),
        max_length=addresses.STREET_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=addresses.POSTCODE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "size": "10"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=addresses.CITY_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    country = forms.ChoiceField(
        label=_("Country"), required=False, widget=forms.Select(attrs={"autocomplete": "country"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = addresses.countries(get_language() or "en")
        country.initial = addresses.BELGIUM

    def clean_full_name(self) -> str:
        return " ".join(str(self.cleaned_data["full_name"]).split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if any(name in self.errors for name in ADDRESS_FIELDS):
            return data
        try:
            data["address"] = parse_address(**{name: str(data.get(name) or "") for name in ADDRESS_FIELDS})
        except DomainError as error:
            self.add_error(error.field if error.field in ADDRESS_FIELDS else None, str(error))
        return data

    @property
    def address(self) -> Address:
        return self.cleaned_data.get("address") or Address()

    def name_fields(self) -> list[BoundField]:
        return [self["full_name"]]

    def address_fields(self) -> list[BoundField]:
        return [self[name] for name in ADDRESS_FIELDS]

    @staticmethod
    def initial_of(customer: User) -> dict[str, str]:
        return {
            "full_name": customer.full_name,
            "street": customer.address_street,
            "postcode": customer.address_postcode,
            "city": customer.address_city,
            "country": customer.address_country or addresses.BELGIUM,
        }


class RegisterForm(NameAndAddressForm):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )
    password_again = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the terms and the privacy notice"),
        error_messages={"required": _("Tick the box to accept the terms and the privacy notice.")},
    )

    field_order = ["full_name", "email", "password", "password_again", *ADDRESS_FIELDS, "accept_terms"]

    def clean_email(self) -> str:
        # Whether the address has an account is not said here (customers.register tells its owner by e-mail).
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        password, again = data.get("password"), data.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", _("The two passwords are not the same."))
        elif password:
            try:
                password_validation.validate_password(password, User(email=data.get("email", "")))
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data

    def account_fields(self) -> list[BoundField]:
        return [self[name] for name in ("full_name", "email", "password", "password_again")]

    def accept_terms_field(self) -> list[BoundField]:
        return [self["accept_terms"]]


class ProfileForm(NameAndAddressForm):
    pass
