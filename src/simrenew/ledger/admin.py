from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from simrenew.ledger.models import Account, Journal, Posting


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is append-only: the back office reads it and never edits it."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "guarded", "balance_amount"]
    list_filter = ["kind", "guarded"]
    search_fields = ["code"]


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0
    can_delete = False
    readonly_fields = ["account", "amount", "currency"]


@admin.register(Journal)
class JournalAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "created_at"]
    search_fields = ["key"]
    inlines = [PostingInline]
