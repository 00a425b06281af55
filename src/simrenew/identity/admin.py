from django.contrib import admin

from simrenew.identity.models import Identification
from simrenew.kit.admin import ReadOnlyAdmin


@admin.register(Identification)
class IdentificationAdmin(ReadOnlyAdmin):
    """Read-only: identifications are records of how a holder was identified; a number stays encrypted."""

    list_display = ["line", "method", "document_type", "nationality", "checked_by", "checked_at", "checked_where"]
    list_filter = ["method", "document_type", "nationality"]
    exclude = ["document_number_encrypted", "document_lookup"]
