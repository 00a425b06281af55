"""A brand's reminder days before a bundle ends ("7,1"): typed in the back office, refused there unless
every part is a day in ASCII digits; read by the nightly reminders, which skip a part that is not (a row
saved before the check, a setting typed wrong) instead of failing for every brand."""

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.utils import translation

from simrenew.brands.models import Brand, reminder_days_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["7,1", "30; 7; 1", " 14 ", "365,1", "1,1", "007"])
def test_days_are_accepted(typed):
    Brand(code="prox", name="Proximus", reminder_days=typed).full_clean()


@pytest.mark.parametrize(
    "typed",
    ["", "7,", "7,,1", "0", "366", "-1", "7.5", "seven", "7,²", "\u0667", "\uff17", "①", "1e3", "0000366"],
)
def test_anything_else_is_refused_next_to_its_field(typed):
    with pytest.raises(ValidationError) as refused:
        Brand(code="prox", name="Proximus", reminder_days=typed).full_clean()
    assert list(refused.value.message_dict) == ["reminder_days"]


def test_the_refusal_speaks_the_staff_members_language_and_nothing_is_saved():
    form_class = modelform_factory(Brand, fields=["code", "name", "reminder_days"])
    with translation.override("nl"):
        form = form_class(data={"code": "prox", "name": "Proximus", "reminder_days": "7,²"})
        assert not form.is_valid()
        assert form.errors["reminder_days"] == [
            "Geef hele dagen vóór een bundel afloopt, gescheiden door komma's, elk van 1 tot en met 365, bv. 7,1."
        ]
    assert not Brand.objects.exists()


def test_the_reminders_read_the_days_and_skip_what_is_not_one():
    assert reminder_days_of("7,1") == [1, 7]
    assert reminder_days_of("30; 7;7 ;1") == [1, 7, 30]
    # Saved before the check, or a setting typed wrong: the days it does name still count, nothing fails.
    assert reminder_days_of("7,²,\u0663,0,366, 1,x") == [1, 7]
    assert reminder_days_of("") == []
