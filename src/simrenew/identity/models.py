"""Identification of a prepaid line's holder, as Belgian law requires (law of 1 September 2016).

An ID document is checked in person; what was checked is recorded, never a copy of the document.
The document number is encrypted at rest (kit.crypto) and shown only masked.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# A document number erased with its holder's account: no ciphertext, nothing left to decrypt.
ERASED = ""


class DocumentType(models.TextChoices):
    BELGIAN_EID = "be_eid", _("Belgian eID card")
    RESIDENCE_CARD = "residence_card", _("Foreign resident card (Belgium)")
    EU_ID_CARD = "eu_id_card", _("EU/EEA identity card")
    PASSPORT = "passport", _("Passport")


class Identification(models.Model):
    """One check of one holder's document for one line. A line identified again keeps its history;
    the newest record is the current one. Rows are never edited."""

    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="identifications")
    document_type = models.CharField(max_length=16, choices=DocumentType.choices)
    # Fernet token of the normalised document number (kit.crypto); the clear number is never stored.
    # ERASED once the holder's account was deleted (identity.service.erase_identifications).
    document_number_encrypted = models.TextField()
    # Keyed hash of type + number: finds every line identified with one document, without the number.
    document_lookup = models.CharField(max_length=64, db_index=True)
    nationality = models.CharField(max_length=2)  # ISO 3166-1 alpha-2
    date_of_birth = models.DateField()
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField()
    # Where the document was looked at, e.g. "shop:brussels-central".
    checked_where = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["line", "-checked_at"])]

    def __str__(self) -> str:
        return f"{self.line_id} {self.document_type} {self.checked_at:%Y-%m-%d}"
