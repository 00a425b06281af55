from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from simrenew.kit.admin import ReadOnlyAdmin, TabularInline
from simrenew.support.models import Case, Message


class MessageInline(TabularInline):
    model = Message
    fields = ("created_at", "direction", "author_name", "body", "sent_at", "send_error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Cases change through the support inbox (/backoffice/support/), which e-mails the answers."""

    list_display = ["reference", "email", "topic", "language", "status", "updated_at"]
    list_filter = ["status", "topic", "language"]
    search_fields = ["reference", "email"]
    inlines = [MessageInline]
