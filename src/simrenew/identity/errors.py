from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError


class InvalidDocumentNumber(DomainError):
    code = "invalid_document_number"
    default_message = _("This document number is not valid for this type of document. Check it on the document.")


class InvalidNationality(DomainError):
    code = "invalid_nationality"
    default_message = _("Choose the nationality shown on the document.")


class DocumentDoesNotMatchNationality(DomainError):
    code = "document_nationality_mismatch"
    default_message = _("This type of document is not issued to holders of this nationality.")


class InvalidDateOfBirth(DomainError):
    code = "invalid_date_of_birth"
    default_message = _("This date of birth is not possible. Check it on the document.")


class InvalidCheckTime(DomainError):
    code = "invalid_check_time"
    default_message = _("An identification cannot be dated in the future.")


class UnknownIdentificationMethod(DomainError):
    code = "unknown_identification_method"
    default_message = _("This is not a way of identifying a holder that the law accepts.")
