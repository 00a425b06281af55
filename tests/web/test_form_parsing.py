"""Form fields that take digits take ASCII digits only, and say so in the user's language."""

import pytest
from django.utils import translation

from simrenew.customers.address import parse_address
from simrenew.identity.documents import normalize_document_number
from simrenew.identity.errors import InvalidDocumentNumber
from simrenew.identity.models import DocumentType
from simrenew.kit.parse import OtherDigits
from simrenew.kit.phone import InvalidMsisdn
from simrenew.web.kiosk.forms import CodeForm as KioskCodeForm
from simrenew.web.kiosk.forms import NumberForm as KioskNumberForm
from simrenew.web.kiosk.forms import VoucherForm
from simrenew.web.portal.forms import CodeForm, LinkLineForm
from simrenew.web.portal.lifecycle_forms import SpendingCapForm
from simrenew.web.pos.forms import ConfirmForm

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"


def other_script(ascii_digits: str, zero: int) -> str:
    return ascii_digits.translate({ord(d): zero + int(d) for d in "0123456789"})


@pytest.mark.parametrize("form_class", [CodeForm, KioskCodeForm])
@pytest.mark.parametrize("typed", ["²²²²²²", "①②③④⑤⑥", other_script("123456", 0x0660), other_script("123456", 0xFF10)])
def test_a_code_of_other_digits_is_refused_in_the_users_language(form_class, typed):
    """Six digits of another kind: the message says which digits to use (not that a code has 6 digits)."""
    with translation.override("de"):
        form = form_class({"code": typed})
        assert not form.is_valid()
        assert form.errors["code"] == [
            "Geben Sie es mit den normalen Ziffern 0 bis 9 ein: Dies sind Ziffern einer anderen Art (etwa in voller "
            "Breite)."
        ]
        assert form_class({"code": "12345"}).errors["code"] == [translation.gettext("The code has 6 digits.")]
    assert form_class({"code": "123456"}).is_valid()


def test_the_kiosk_asks_for_a_number_as_its_keypad_can_type_it():
    """The kiosk's keypad has no + and no space: its example is the 10 digits."""
    with translation.override("nl"):
        form = KioskNumberForm({"number": "0470 12"})
        assert form.errors["number"] == ["Dit is geen Belgisch gsm-nummer. Typ de 10 cijfers, zoals 0470 12 34 56."]
        assert LinkLineForm({"number": "0470 12"}).errors["number"] == [str(InvalidMsisdn.default_message)]
    assert KioskNumberForm({"number": "0470123456"}).is_valid()


def test_a_postcode_of_other_digits_says_which_digits_to_use():
    with pytest.raises(OtherDigits) as refused:
        parse_address(street="Rue Neuve 1", postcode="\uff11\uff10\uff10\uff10", city="Bruxelles", country="BE")
    assert refused.value.field == "postcode"
    assert parse_address(street="Rue Neuve 1", postcode="1000", city="Bruxelles", country="BE").postcode == "1000"


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


def test_django_form_messages_read_well_in_chinese():
    """Django's own Chinese says "make sure this variable…" and "Email": ours are plain words."""
    from django import forms

    with translation.override("zh-hans"):
        with pytest.raises(forms.ValidationError) as too_long:
            forms.CharField(max_length=3).clean("abcd")
        assert too_long.value.messages == ["最多 3 个字符（现在有 4 个）。"]  # noqa: RUF001 - Chinese punctuation
        with pytest.raises(forms.ValidationError) as not_an_address:
            forms.EmailField().clean("nobody")
        assert not_an_address.value.messages == ["请输入有效的电子邮件地址。"]


def test_an_unticked_terms_box_says_what_to_do():
    from simrenew.web.portal.auth_forms import RegisterForm

    with translation.override("nl"):
        errors = [str(message) for message in RegisterForm({}).errors["accept_terms"]]
    assert errors == ["Vink het vakje aan om de voorwaarden en de privacyverklaring te aanvaarden."]
