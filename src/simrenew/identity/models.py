"""Identification of a prepaid line's holder, as Belgian law requires (law of 1 September 2016).

The law accepts an ID document checked in person at a point of sale, the eID card read online with its
PIN, an identification service (itsme), or an online payment with a Belgian bank card. What was checked
is recorded, never a copy of a document. A document number is encrypted at rest (kit.crypto) and shown
only masked.
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


class IdentificationMethod(models.TextChoices):
    """How the holder was identified (Royal Decree of 27 November 2016)."""

    IN_PERSON = "in_person", _("ID document checked in person")
    EID_ONLINE = "eid_online", _("eID card read online with its PIN")
    ITSME = "itsme", _("itsme")
    BANK_CARD = "bank_card", _("online payment with a Belgian bank card")


class Identification(models.Model):
    """One identification of one line's holder. A line identified again keeps its history; the newest
    record is the current one. Rows are never edited.

    In person and with the eID card online a document is recorded; itsme gives nationality and date of
    birth but no document; a bank-card payment gives neither. Only an identification in person has a
    staff member who checked it."""

    line = models.ForeignKey(
        "lines.Line", on_delete=models.PROTECT, related_name="identifications", verbose_name=_("line")
    )
    method = models.CharField(
        max_length=16,
        choices=IdentificationMethod.choices,
        default=IdentificationMethod.IN_PERSON,
        verbose_name=_("identification method"),
    )
    document_type = models.CharField(
        max_length=16, choices=DocumentType.choices, blank=True, verbose_name=_("document type")
    )
    # Fernet token of the normalised document number (kit.crypto); the clear number is never stored.
    # ERASED once the holder's account was deleted (identity.service.erase_identifications).
    document_number_encrypted = models.TextField(verbose_name=_("document number (encrypted)"))
    # Keyed hash of type + number: finds every line identified with one document, without the number.
    document_lookup = models.CharField(max_length=64, db_index=True, verbose_name=_("document lookup key"))
    nationality = models.CharField(max_length=2, blank=True, verbose_name=_("nationality"))  # ISO 3166-1 alpha-2
    date_of_birth = models.DateField(null=True, blank=True, verbose_name=_("date of birth"))
    # The staff member who looked at the document (in person only).
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(verbose_name=_("checked at"))
    # Where the document was looked at in person, e.g. "shop:brussels-central"; empty online.
    checked_where = models.CharField(max_length=64, blank=True, verbose_name=_("checked where"))

    class Meta:
        verbose_name = _("identification")
        verbose_name_plural = _("identifications")
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["line", "-checked_at"])]

    def __str__(self) -> str:
        return f"{self.line_id} {self.method} {self.checked_at:%Y-%m-%d}"
