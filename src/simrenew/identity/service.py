"""Recording that a line's holder was identified. Callers own the transaction."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from simrenew.identity.documents import (
    check_date_of_birth,
    check_nationality,
    document_lookup,
    normalize_document_number,
)
from simrenew.identity.errors import InvalidCheckTime, InvalidDateOfBirth, UnknownIdentificationMethod
from simrenew.identity.models import ERASED, DocumentType, Identification, IdentificationMethod
from simrenew.kit import clock, crypto
from simrenew.lines import service as lines
from simrenew.lines.models import Line

if TYPE_CHECKING:  # identity sits beside customers, so it may name the user model only for types
    from simrenew.customers.models import User


def identify_holder(
    *,
    line: Line,
    document_type: str,
    document_number: str,
    nationality: str,
    date_of_birth: date,
    checked_by: "User",
    checked_where: str = "",
    checked_at: datetime | None = None,
) -> Identification:
    """Record a document checked in person and mark the line identified.

    Everything is checked before anything is written: a wrong number, nationality or date of
    birth raises a DomainError and changes nothing. Only the encrypted number and a keyed hash
    of it are stored; no copy or picture of the document. `checked_at` is now unless the check
    happened earlier (a record carried over from another system).
    """
    return _record(
        line=line,
        method=IdentificationMethod.IN_PERSON,
        document=(document_type, document_number),
        nationality=nationality,
        date_of_birth=date_of_birth,
        checked_by=checked_by,
        checked_where=checked_where,
        checked_at=checked_at,
    )


def identified_online(
    *,
    line: Line,
    method: str,
    nationality: str = "",
    date_of_birth: date | None = None,
    document_number: str = "",
    checked_at: datetime | None = None,
) -> Identification:
    """Record an identification made without a point of sale, and mark the line identified: the eID
    card read online (its number, nationality and date of birth), itsme (nationality and date of
    birth) or a payment with a Belgian bank card (nothing of the holder but that the bank knows them).
    Checked like identify_holder: bad input raises a DomainError and changes nothing."""
    if method == IdentificationMethod.EID_ONLINE:
        if date_of_birth is None:
            raise InvalidDateOfBirth()
        return _record(
            line=line,
            method=method,
            document=(DocumentType.BELGIAN_EID, document_number),
            nationality=nationality,
            date_of_birth=date_of_birth,
            checked_at=checked_at,
        )
    if method == IdentificationMethod.ITSME:
        if date_of_birth is None:
            raise InvalidDateOfBirth()
        return _record(
            line=line, method=method, nationality=nationality, date_of_birth=date_of_birth, checked_at=checked_at
        )
    if method == IdentificationMethod.BANK_CARD:
        return _record(line=line, method=method, checked_at=checked_at)
    raise UnknownIdentificationMethod()


def _record(
    *,
    line: Line,
    method: str,
    document: tuple[str, str] | None = None,
    nationality: str = "",
    date_of_birth: date | None = None,
    checked_by: "User | None" = None,
    checked_where: str = "",
    checked_at: datetime | None = None,
) -> Identification:
    now = clock.now()
    at = checked_at or now
    number = lookup = ""
    document_type = ""
    if document is not None:
        document_type, raw_number = document
        number = normalize_document_number(document_type, raw_number)
        lookup = document_lookup(document_type, number)
    # A bank only vouches that it knows the card's holder; every other method reads a nationality.
    country = "" if method == IdentificationMethod.BANK_CARD else check_nationality(document_type, nationality)
    born = check_date_of_birth(date_of_birth, today=timezone.localdate(at)) if date_of_birth else None
    if at > now:
        raise InvalidCheckTime()
    line = lines.lock_line(line.pk)
    lines.ensure_usable(line)
    identification = Identification.objects.create(
        line=line,
        method=method,
        document_type=document_type,
        document_number_encrypted=crypto.encrypt(number) if number else ERASED,
        document_lookup=lookup,
        nationality=country,
        date_of_birth=born,
        checked_by=checked_by,
        checked_at=at,
        checked_where=checked_where[:64],
    )
    lines.mark_identified(line=line, at=at)
    return identification


def rotate_keys(*, batch_size: int = 500) -> tuple[int, int]:
    """Re-encrypt every stored document number under the current key: (rows seen, rows re-encrypted)."""
    seen = rotated = 0
    last_id = 0
    while True:
        batch = list(
            Identification.objects.select_for_update()
            .filter(pk__gt=last_id)
            .exclude(document_number_encrypted=ERASED)
            .order_by("pk")
            .only("pk", "document_number_encrypted")[:batch_size]
        )
        if not batch:
            return seen, rotated
        for row in batch:
            seen += 1
            if not crypto.is_current(row.document_number_encrypted):
                Identification.objects.filter(pk=row.pk).update(
                    document_number_encrypted=crypto.rotate(row.document_number_encrypted)
                )
                rotated += 1
        last_id = batch[-1].pk


def erase_identifications(*, windows: Iterable[tuple[int, datetime, datetime | None]]) -> int:
    """Erase the document data of the identifications recorded on a line within each window (line id,
    from, until; None: until now), when the account that held the line then is deleted.

    The encrypted document number and its lookup hash go, so the document can no longer be read or
    matched; that a document of this type and nationality was checked, when, where and by whom stays
    (the line was identified in person, as the law requires). Returns the number of records erased.
    """
    within = Q(pk__in=[])
    for line_id, started_at, ended_at in windows:
        window = Q(line_id=line_id, checked_at__gte=started_at)
        within |= (window & Q(checked_at__lt=ended_at)) if ended_at is not None else window
    return (
        Identification.objects.filter(within)
        .exclude(document_number_encrypted=ERASED)
        .update(document_number_encrypted=ERASED, document_lookup="")
    )
