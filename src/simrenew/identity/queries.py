"""Identification reads for the shop desk: the current record, with the document number masked."""

from dataclasses import dataclass
from datetime import datetime

from simrenew.identity.documents import document_lookup, normalize_document_number
from simrenew.identity.models import ERASED, Identification
from simrenew.kit import crypto
from simrenew.lines.models import Line


@dataclass(frozen=True)
class MaskedIdentification:
    """What staff may see of an identification: never the full document number or birth date. Fields a
    method does not record are empty (no document with itsme or a bank card, no staff member online)."""

    method: str
    method_label: str
    document_type: str
    document_type_label: str
    masked_number: str
    nationality: str
    birth_year: int | None
    checked_by: str
    checked_at: datetime
    checked_where: str


def current_identification(line: Line) -> Identification | None:
    return line.identifications.select_related("checked_by").order_by("-checked_at", "-id").first()


def masked(identification: Identification) -> MaskedIdentification:
    sealed = identification.document_number_encrypted
    # An erased number (its holder deleted their account, identity.service) shows as nothing.
    number = crypto.decrypt(sealed) if sealed != ERASED else ""
    born = identification.date_of_birth
    checker = identification.checked_by
    return MaskedIdentification(
        method=identification.method,
        method_label=identification.get_method_display(),
        document_type=identification.document_type,
        document_type_label=identification.get_document_type_display() if identification.document_type else "",
        masked_number=crypto.mask(number) if number else "",
        nationality=identification.nationality,
        birth_year=born.year if born else None,
        checked_by=checker.get_username() if checker else "",
        checked_at=identification.checked_at,
        checked_where=identification.checked_where,
    )


def lines_identified_with(*, document_type: str, number: str) -> list[int]:
    """Ids of the lines identified with this document (e.g. to see how many SIMs one person holds)."""
    normalized = normalize_document_number(document_type, number)
    return list(
        Identification.objects.filter(document_lookup=document_lookup(document_type, normalized))
        .values_list("line_id", flat=True)
        .distinct()
    )
