"""A brand's legal seller: the VAT number is checked and stored in one form, shown in the usual one."""

import pytest
from django.core.exceptions import ValidationError

from simrenew.brands.models import Brand

pytestmark = pytest.mark.django_db


def brand(**fields: str) -> Brand:
    return Brand(code="prox", name="Proximus", legal_name="Proximus SA/NV", **fields)


def test_a_typed_vat_number_is_stored_compact_and_shown_grouped():
    seller = brand(
        vat_number="be 0202.239.951",
        legal_street="Boulevard du Roi Albert II 27",
        legal_postal_code="1030",
        legal_city="Brussels",
    )

    seller.full_clean()
    seller.save()

    stored = Brand.objects.get(code="prox")
    assert stored.vat_number == "BE0202239951"
    assert stored.vat_number_display == "BE 0202.239.951"
    assert stored.legal_address == "Boulevard du Roi Albert II 27, 1030 Brussels"


def test_a_wrong_vat_number_is_refused_next_to_its_field_and_nothing_is_saved():
    seller = brand(vat_number="BE0202239952")

    with pytest.raises(ValidationError) as refused:
        seller.full_clean()

    assert refused.value.message_dict == {"vat_number": ["This is not a valid Belgian VAT number (BE 0123.456.749)."]}
    assert not Brand.objects.exists()


def test_no_vat_number_is_allowed_and_shows_nothing():
    seller = brand()
    seller.full_clean()
    assert seller.vat_number_display == "" and seller.legal_address == ""
