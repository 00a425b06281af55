"""Form fields that take digits take ASCII digits only, and say so in the user's language."""

import pytest
from django.utils import translation

from simrenew.identity.documents import normalize_document_number
from simrenew.identity.errors import InvalidDocumentNumber
from simrenew.identity.models import DocumentType
from simrenew.web.kiosk.forms import CodeForm as KioskCodeForm
from simrenew.web.kiosk.forms import VoucherForm
from simrenew.web.portal.forms import CodeForm
from simrenew.web.portal.lifecycle_forms import SpendingCapForm
from simrenew.web.pos.forms import ConfirmForm

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"


def other_script(ascii_digits: str, zero: int) -> str:
    return ascii_digits.translate({ord(d): zero + int(d) for d in "0123456789"})


@pytest.mark.parametrize("form_class", [CodeForm, KioskCodeForm])
@pytest.mark.parametrize("typed", ["²²²²²²", "①②③④⑤⑥", other_script("123456", 0x0660), other_script("123456", 0xFF10)])
def test_a_code_of_other_digits_is_refused_in_the_users_language(form_class, typed):
    with translation.override("de"):
        form = form_class({"code": typed})
        assert not form.is_valid()
        assert form.errors["code"] == [translation.gettext("The code has 6 digits.")]
    assert form_class({"code": "123456"}).is_valid()


def test_a_kiosk_pin_of_other_digits_is_refused():
    assert not VoucherForm({"pin": other_script("123456789012345", 0x0660)}).is_valid()
    assert not VoucherForm({"pin": "²" * 15}).is_valid()
    assert VoucherForm({"pin": "123456789012345"}).is_valid()


@pytest.mark.parametrize("typed", ["٣", "\uff13", "1²", "1\u066b5"])  # … and an Arabic decimal separator
def test_a_spending_cap_of_other_digits_is_refused(typed):
    form = SpendingCapForm({"limit": typed})
    assert not form.is_valid()
    assert SpendingCapForm({"limit": "25.50"}).is_valid()
    assert SpendingCapForm({"limit": ""}).is_valid()


def test_a_pos_choice_with_other_digits_is_refused():
    key = {"number": "32470123456"}
    assert ConfirmForm({**key, "choice": "topup:1500"}).is_valid()
    assert not ConfirmForm({**key, "choice": "topup:" + other_script("1500", 0x0660)}).is_valid()
    assert not ConfirmForm({**key, "choice": "pin:base:" + other_script("1500", 0xFF10)}).is_valid()


def test_an_eid_number_of_other_digits_is_refused():
    assert normalize_document_number(DocumentType.BELGIAN_EID, "591-1234567-53") == "591123456753"
    for typed in ["²" * 12, other_script("591123456753", 0x0660)]:
        with pytest.raises(InvalidDocumentNumber):
            normalize_document_number(DocumentType.BELGIAN_EID, typed)
