"""Every number a back-office form takes is typed with the digits 0-9: Django's own form fields read
Arabic-Indic, fullwidth or superscript digits through int() and Decimal(), and would save another
number than the one staff see (a rate, a fee, a budget)."""

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory

from simrenew.kit.admin import AsciiDecimalField, AsciiIntegerField
from simrenew.retail.admin import FloatDepositForm
from tests.retail.factories import create_retailer

# Arabic-Indic, fullwidth, superscript, circled and Persian digits.
OTHER_DIGITS = ["\u0663", "\uff13", "\u00b3", "\u2462", "\u06f3"]


def number_fields(model_admin):
    """(admin, model field, form field) of every editable integer and decimal field the admin's forms
    (and its inlines') would show."""
    request = RequestFactory().get("/")
    found = []
    for each in [model_admin, *(inline(model_admin.model, admin.site) for inline in model_admin.inlines)]:
        for field in each.model._meta.concrete_fields:
            if isinstance(field, models.IntegerField | models.DecimalField) and field.editable and not field.choices:
                if isinstance(field, models.AutoField):
                    continue
                found.append((each, field, each.formfield_for_dbfield(field, request=request)))
    return found


def test_every_admin_of_ours_takes_numbers_in_ascii_digits_only():
    """Ours: the admins of the libraries we use (django-axes' lockouts, django-otp's devices) keep
    Django's fields; their numbers are technical settings of a device, not money."""
    checked = [
        (type(each).__name__, field.name, type(form_field).__name__)
        for model_admin in admin.site._registry.values()
        if type(model_admin).__module__.startswith("simrenew.")
        for each, field, form_field in number_fields(model_admin)
    ]
    assert len(checked) > 20  # rates, fees, budgets, validity days, commissions, …
    wrong = [row for row in checked if row[2] not in {AsciiIntegerField.__name__, AsciiDecimalField.__name__}]
    assert wrong == []


@pytest.mark.parametrize("digit", OTHER_DIGITS)
def test_a_number_in_another_scripts_digits_is_refused(digit):
    assert AsciiIntegerField().to_python("12") == 12
    with pytest.raises(Exception, match="Enter a whole number"):
        AsciiIntegerField().clean(f"1{digit}")
    assert str(AsciiDecimalField(decimal_places=2).clean("12.50")) == "12.50"
    with pytest.raises(Exception, match="Enter a number"):
        AsciiDecimalField(decimal_places=2).clean(f"1{digit}.50")


@pytest.mark.django_db
def test_a_float_deposit_in_another_scripts_digits_is_refused_and_nothing_is_saved():
    from simrenew.retail.models import FloatDeposit

    retailer = create_retailer()
    form = FloatDepositForm(data={"retailer": retailer.pk, "reference": "r1", "amount_euros": "\u0661\u0660\u0660"})
    assert not form.is_valid() and list(form.errors) == ["amount_euros"]
    assert not FloatDeposit.objects.exists()
    assert FloatDepositForm(data={"retailer": retailer.pk, "reference": "r1", "amount_euros": "100.00"}).is_valid()
