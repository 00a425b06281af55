from django.contrib import admin

from simrenew.kit.admin import ReadOnlyAdmin
from simrenew.vouchers.models import Voucher, VoucherBatch


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = ["serial", "brand", "value_amount", "masked", "state", "expires_at", "sold_reference", "redeemed_at"]
    list_filter = ["state", "brand"]
    search_fields = ["serial", "sold_reference", "last_digits"]
    exclude = ["code_hash"]


@admin.register(VoucherBatch)
class VoucherBatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "brand", "value_amount", "count", "expires_at", "note", "created_at"]
    list_filter = ["brand"]
