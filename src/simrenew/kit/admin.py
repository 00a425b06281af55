"""Back-office building blocks shared by every domain's admin.

Every admin of simrenew derives from `ModelAdmin`, `TabularInline` or `ReadOnlyAdmin` below, not Django's:
their number fields take the digits 0-9 only. Django's form fields read a number with int() or
Decimal(), which also read Arabic-Indic, fullwidth and other scripts' digits, so a rate or a fee
typed with them would be saved as another number than the one staff see
(tests/test_admin_numbers.py checks every admin of ours).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Model
from django.http import HttpRequest

# What a number typed in the back office may hold, once stripped: ASCII digits, a sign, a decimal point
# or comma (Django's own fields then read and check it as usual).
_NUMBER_CHARACTERS = frozenset("0123456789+-.,")


def _refuse_other_digits(field: forms.Field, value: object) -> None:
    if isinstance(value, str) and value.strip() and not set(value.strip()) <= _NUMBER_CHARACTERS:
        raise forms.ValidationError(field.error_messages["invalid"], code="invalid")


class AsciiIntegerField(forms.IntegerField):
    """forms.IntegerField that takes the digits 0-9 only."""

    def to_python(self, value: Any) -> Any:
        _refuse_other_digits(self, value)
        return super().to_python(value)


class AsciiDecimalField(forms.DecimalField):
    """forms.DecimalField that takes the digits 0-9 only."""

    def to_python(self, value: Any) -> Any:
        _refuse_other_digits(self, value)
        return super().to_python(value)


# Merged by Django's ModelAdmin over its own defaults (keeping their widgets): the model fields'
# classes are looked up along each field's MRO, so these cover every integer and decimal field.
ASCII_NUMBERS: dict[type, dict[str, Any]] = {
    models.IntegerField: {"form_class": AsciiIntegerField},
    models.BigIntegerField: {"form_class": AsciiIntegerField},
    models.DecimalField: {"form_class": AsciiDecimalField},
}


class ModelAdmin(admin.ModelAdmin):
    formfield_overrides = ASCII_NUMBERS


class TabularInline(admin.TabularInline):
    formfield_overrides = ASCII_NUMBERS


class ReadOnlyAdmin(ModelAdmin):
    """For records that change only through their domain's service (ledger postings, sales,
    vouchers, audit lines, identifications): the back office reads them and never edits them."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
