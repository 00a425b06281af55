from django.contrib import admin
from django.http import HttpRequest

from simrenew.identity.models import Identification


@admin.register(Identification)
class IdentificationAdmin(admin.ModelAdmin):
    """Read-only: identifications are records of a check in person; the number stays encrypted."""

    list_display = ["line", "document_type", "nationality", "checked_by", "checked_at", "checked_where"]
    list_filter = ["document_type", "nationality"]
    exclude = ["document_number_encrypted", "document_lookup"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
