"""Identifying a line's holder: what is stored (encrypted number, no copy), checks on the input, key rotation."""

from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection, transaction

from simrenew.identity import queries, service
from simrenew.identity.errors import (
    DocumentDoesNotMatchNationality,
    InvalidDateOfBirth,
    InvalidDocumentNumber,
    InvalidNationality,
)
from simrenew.identity.models import DocumentType, Identification
from simrenew.kit import crypto
from simrenew.lines.errors import LineNotUsable
from simrenew.lines.models import IdentityStatus, LineStatus
from tests.factories import create_line
from tests.shops.factories import create_shop, create_staff, eid_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return create_staff(create_shop())


def identify(line, staff, **overrides):
    data = {
        "document_type": DocumentType.BELGIAN_EID,
        "document_number": eid_number(),
        "nationality": "BE",
        "date_of_birth": date(1990, 4, 1),
    }
    data.update(overrides)
    with transaction.atomic():
        return service.identify_holder(line=line, checked_by=staff, checked_where="shop:test", **data)


def raw_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Identification._meta.db_table}")
        return cursor.fetchall()


def test_identification_is_recorded_and_the_line_marked_identified(staff):
    line = create_line()
    found = identify(line, staff)
    line.refresh_from_db()
    assert line.identity_status == IdentityStatus.IDENTIFIED
    assert found.checked_by == staff
    assert found.nationality == "BE"
    assert found.date_of_birth == date(1990, 4, 1)
    assert crypto.decrypt(found.document_number_encrypted) == "591123456753"
    shown = queries.masked(queries.current_identification(line))
    assert shown.masked_number == "•••••••••753"
    assert shown.birth_year == 1990
    assert shown.checked_by == staff.email


def test_the_database_never_holds_the_clear_document_number(staff):
    identify(
        create_line(), staff, document_type=DocumentType.PASSPORT, document_number="eh 12 34 567", nationality="FR"
    )
    identify(create_line(), staff)
    dump = repr(raw_rows())
    for clear in ("EH1234567", "eh 12 34 567", "1234567", "591123456753", "591-1234567-53"):
        assert clear not in dump


def test_the_model_keeps_no_copy_of_the_document():
    names = {field.name for field in Identification._meta.get_fields()}
    assert not {"scan", "photo", "image", "copy", "file", "document_number"} & names
    assert not any(
        field.get_internal_type() in ("FileField", "ImageField", "BinaryField") for field in Identification._meta.fields
    )


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"document_number": "591-1234567-54"}, InvalidDocumentNumber),  # wrong check digits
        ({"document_number": "59112345675"}, InvalidDocumentNumber),  # 11 digits
        ({"document_number": "ABC"}, InvalidDocumentNumber),
        (
            {"document_type": DocumentType.PASSPORT, "document_number": "EH12<>34", "nationality": "FR"},
            InvalidDocumentNumber,
        ),
        ({"document_type": "driving_licence"}, InvalidDocumentNumber),
        ({"nationality": "XX"}, InvalidNationality),
        ({"nationality": "FR"}, DocumentDoesNotMatchNationality),  # a Belgian eID is Belgian
        (
            {"document_type": DocumentType.EU_ID_CARD, "document_number": "L01X00T47", "nationality": "US"},
            DocumentDoesNotMatchNationality,
        ),
        (
            {"document_type": DocumentType.RESIDENCE_CARD, "document_number": "B1234567890", "nationality": "BE"},
            DocumentDoesNotMatchNationality,
        ),
        ({"date_of_birth": date(2999, 1, 1)}, InvalidDateOfBirth),
        ({"date_of_birth": date(1850, 1, 1)}, InvalidDateOfBirth),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(staff, overrides, error):
    line = create_line()
    with pytest.raises(error):
        identify(line, staff, **overrides)
    line.refresh_from_db()
    assert line.identity_status == IdentityStatus.UNIDENTIFIED
    assert Identification.objects.count() == 0


def test_a_terminated_line_cannot_be_identified(staff):
    line = create_line(status=LineStatus.TERMINATED)
    with pytest.raises(LineNotUsable):
        identify(line, staff)
    assert Identification.objects.count() == 0


@pytest.mark.parametrize(
    ("document_type", "number", "nationality"),
    [
        (DocumentType.PASSPORT, "EH1234567", "CN"),
        (DocumentType.EU_ID_CARD, "L01X00T47", "DE"),
        (DocumentType.RESIDENCE_CARD, "B 1234567 89", "IN"),
    ],
)
def test_foreign_documents_are_accepted(staff, document_type, number, nationality):
    line = create_line()
    found = identify(line, staff, document_type=document_type, document_number=number, nationality=nationality)
    assert found.document_type == document_type
    assert crypto.decrypt(found.document_number_encrypted) == number.replace(" ", "").upper()


def test_lines_identified_with_one_document_are_found_by_keyed_hash(staff):
    first, second, other = create_line(), create_line(), create_line()
    identify(first, staff)
    identify(second, staff)
    identify(other, staff, document_type=DocumentType.PASSPORT, document_number="EH1234567", nationality="FR")
    assert sorted(
        queries.lines_identified_with(document_type=DocumentType.BELGIAN_EID, number="591 1234567 53")
    ) == sorted([first.pk, second.pk])


def test_identifying_again_keeps_the_history_and_shows_the_newest(staff):
    line = create_line()
    identify(line, staff)
    identify(line, staff, document_type=DocumentType.PASSPORT, document_number="EH1234567", nationality="FR")
    assert line.identifications.count() == 2
    assert queries.masked(queries.current_identification(line)).document_type == DocumentType.PASSPORT


def test_rotate_encryption_keys_reencrypts_every_stored_number(settings, staff):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    identify(create_line(), staff)
    identify(create_line(), staff, document_type=DocumentType.PASSPORT, document_number="EH1234567", nationality="FR")
    before = list(Identification.objects.order_by("pk").values_list("document_number_encrypted", flat=True))

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_keys")
    after = list(Identification.objects.order_by("pk").values_list("document_number_encrypted", flat=True))
    assert all(crypto.is_current(token) for token in after)
    assert after != before

    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key can go now
    assert [crypto.decrypt(token) for token in after] == ["591123456753", "EH1234567"]
    assert service.rotate_keys() == (2, 0)  # a second run has nothing left to do
