from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from simrenew.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Managers read the audit log; nobody adds, edits or deletes a line of it."""

    list_display = ["created_at", "actor", "action", "target", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor", "terminal", "action", "target"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "user", "terminal", "actor", "action", "target", "ip_address", "details"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
