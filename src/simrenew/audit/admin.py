from django.contrib import admin

from simrenew.audit.models import AuditEntry
from simrenew.kit.admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Managers read the audit log; nobody adds, edits or deletes a line of it."""

    list_display = ["created_at", "actor", "action", "target", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor", "terminal", "action", "target"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "user", "terminal", "actor", "action", "target", "ip_address", "details"]
