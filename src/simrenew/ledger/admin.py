from django.contrib import admin

from simrenew.kit.admin import ReadOnlyAdmin, TabularInline
from simrenew.ledger.models import Account, Journal, Posting


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "guarded", "balance_amount"]
    list_filter = ["kind", "guarded"]
    search_fields = ["code"]


class PostingInline(TabularInline):
    model = Posting
    extra = 0
    can_delete = False
    readonly_fields = ["account", "amount", "currency"]


@admin.register(Journal)
class JournalAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "created_at"]
    search_fields = ["key"]
    inlines = [PostingInline]
