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
from simrenew.identity.models import ERASED, Identification
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
) -> Identification:
    """Record a document checked in person and mark the line identified.

    Everything is checked before anything is written: a wrong number, nationality or date of
    birth raises a DomainError and changes nothing. Only the encrypted number and a keyed hash
    of it are stored; no copy or picture of the document.
    """
    now = clock.now()
    number = normalize_document_number(document_type, document_number)
    country = check_nationality(document_type, nationality)
    born = check_date_of_birth(date_of_birth, today=timezone.localdate(now))
    line = lines.lock_line(line.pk)
    lines.ensure_usable(line)
    identification = Identification.objects.create(
        line=line,
        document_type=document_type,
        document_number_encrypted=crypto.encrypt(number),
        document_lookup=document_lookup(document_type, number),
        nationality=country,
        date_of_birth=born,
        checked_by=checked_by,
        checked_at=now,
        checked_where=checked_where[:64],
    )
    lines.mark_identified(line=line, at=now)
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
