"""The ways Belgian law accepts to identify a prepaid holder besides a document checked in person: the eID
card read online, itsme and a bank-card payment. What each records, and bad input that changes nothing."""

from datetime import date, timedelta

import pytest
from django.db import transaction

from simrenew.identity import queries, service
from simrenew.identity.errors import (
    InvalidCheckTime,
    InvalidDateOfBirth,
    InvalidDocumentNumber,
    InvalidNationality,
    UnknownIdentificationMethod,
)
from simrenew.identity.models import ERASED, DocumentType, Identification, IdentificationMethod
from simrenew.kit import clock, crypto
from simrenew.lines.models import IdentityStatus
from tests.factories import create_line
from tests.shops.factories import create_shop, create_staff, eid_number

pytestmark = pytest.mark.django_db


def online(line, **data):
    with transaction.atomic():
        return service.identified_online(line=line, **data)


def test_the_eid_card_read_online_records_its_document_but_no_staff_member():
    line = create_line()
    found = online(
        line,
        method=IdentificationMethod.EID_ONLINE,
        document_number=eid_number(),
        nationality="BE",
        date_of_birth=date(1984, 2, 29),
    )
    line.refresh_from_db()
    assert line.identity_status == IdentityStatus.IDENTIFIED
    assert (found.method, found.document_type, found.checked_by, found.checked_where) == (
        IdentificationMethod.EID_ONLINE,
        DocumentType.BELGIAN_EID,
        None,
        "",
    )
    assert crypto.decrypt(found.document_number_encrypted) == "591123456753"
    shown = queries.masked(queries.current_identification(line))
    assert (shown.method_label, shown.document_type_label, shown.masked_number) == (
        "eID card read online with its PIN",
        "Belgian eID card",
        "•••••••••753",
    )
    assert (shown.birth_year, shown.checked_by) == (1984, "")


def test_itsme_records_nationality_and_date_of_birth_and_no_document():
    line = create_line()
    found = online(line, method=IdentificationMethod.ITSME, nationality="nl", date_of_birth=date(1999, 5, 1))
    assert (found.nationality, found.date_of_birth, found.document_type) == ("NL", date(1999, 5, 1), "")
    assert (found.document_number_encrypted, found.document_lookup) == (ERASED, "")
    shown = queries.masked(found)
    assert (shown.method, shown.document_type_label, shown.masked_number, shown.birth_year) == (
        "itsme",
        "",
        "",
        1999,
    )


def test_a_bank_card_payment_records_only_that_and_when():
    line = create_line()
    earlier = clock.now() - timedelta(days=40)
    found = online(line, method=IdentificationMethod.BANK_CARD, checked_at=earlier)
    assert (found.nationality, found.date_of_birth, found.document_type, found.checked_at) == ("", None, "", earlier)
    line.refresh_from_db()
    assert line.identity_status == IdentityStatus.IDENTIFIED
    assert queries.masked(found).birth_year is None


def test_an_identification_in_person_may_carry_the_time_it_happened_elsewhere():
    staff = create_staff(create_shop())
    at = clock.now() - timedelta(days=300)
    with transaction.atomic():
        found = service.identify_holder(
            line=create_line(),
            document_type=DocumentType.PASSPORT,
            document_number="EH1234567",
            nationality="CN",
            date_of_birth=date(1970, 1, 1),
            checked_by=staff,
            checked_where="shop:x",
            checked_at=at,
        )
    assert (found.method, found.checked_at, found.checked_by) == (IdentificationMethod.IN_PERSON, at, staff)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"method": IdentificationMethod.ITSME, "nationality": "BE"}, InvalidDateOfBirth),
        ({"method": IdentificationMethod.ITSME, "date_of_birth": date(1990, 1, 1)}, InvalidNationality),
        (
            {"method": IdentificationMethod.ITSME, "nationality": "BE", "date_of_birth": date(2999, 1, 1)},
            InvalidDateOfBirth,
        ),
        (
            {
                "method": IdentificationMethod.EID_ONLINE,
                "document_number": "591-1234567-54",
                "nationality": "BE",
                "date_of_birth": date(1990, 1, 1),
            },
            InvalidDocumentNumber,
        ),
        ({"method": IdentificationMethod.IN_PERSON}, UnknownIdentificationMethod),  # needs a staff member
        ({"method": "fax"}, UnknownIdentificationMethod),
        ({"method": IdentificationMethod.BANK_CARD, "checked_at": clock.now() + timedelta(days=1)}, InvalidCheckTime),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(data, error):
    line = create_line()
    with pytest.raises(error):
        online(line, **data)
    line.refresh_from_db()
    assert line.identity_status == IdentityStatus.UNIDENTIFIED
    assert Identification.objects.count() == 0
