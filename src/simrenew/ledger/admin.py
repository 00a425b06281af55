from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from simrenew.kit.admin import ReadOnlyAdmin, TabularInline
from simrenew.kit.money import format_money
from simrenew.ledger.models import Account, Journal, Posting


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "guarded", "balance"]
    list_filter = ["kind", "guarded"]
    search_fields = ["code"]
    fields = ["code", "kind", "currency", "guarded", "balance", "created_at"]
    readonly_fields = ["balance", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        # A platform account keeps no balance of its own (its postings are its balance, so that no row
        # serialises every sale): the list sums them, as the ledger's reports do.
        posted = Posting.objects.filter(account=OuterRef("pk")).values("account").annotate(total=Sum("amount"))
        return super().get_queryset(request).annotate(posted=Coalesce(Subquery(posted.values("total")), 0))

    @admin.display(description=_("balance"), ordering="posted")
    def balance(self, account: Account) -> str:
        return format_money(account.posted, account.currency, get_language() or "en")  # type: ignore[attr-defined]


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
