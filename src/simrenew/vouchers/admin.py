from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from simrenew.vouchers.models import Voucher, VoucherBatch


class ReadOnly(admin.ModelAdmin):
    """Vouchers change only through vouchers.service (sales, voids, redemptions, expiry)."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Voucher)
class VoucherAdmin(ReadOnly):
    list_display = ["serial", "brand", "value_amount", "masked", "state", "expires_at", "sold_reference", "redeemed_at"]
    list_filter = ["state", "brand"]
    search_fields = ["serial", "sold_reference", "last_digits"]
    exclude = ["code_hash"]


@admin.register(VoucherBatch)
class VoucherBatchAdmin(ReadOnly):
    list_display = ["id", "brand", "value_amount", "count", "expires_at", "note", "created_at"]
    list_filter = ["brand"]
