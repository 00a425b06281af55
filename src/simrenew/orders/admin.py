from django.contrib import admin

from simrenew.kit.admin import ModelAdmin
from simrenew.orders.models import Order, Receipt, Refund


@admin.register(Order)
class OrderAdmin(ModelAdmin):
    list_display = ["number", "line", "kind", "channel", "method", "total_amount", "status", "created_at"]
    list_filter = ["status", "kind", "channel", "method"]
    search_fields = ["number", "line__msisdn"]
    readonly_fields = [f.name for f in Order._meta.fields]


@admin.register(Receipt)
class ReceiptAdmin(ModelAdmin):
    list_display = ["number", "order", "issued_at"]
    search_fields = ["number"]


@admin.register(Refund)
class RefundAdmin(ModelAdmin):
    """Read-only: refunds are made and sent again on the back office's order page (they book the ledger)."""

    list_display = ["order", "amount", "status", "attempt", "provider_refund_id", "created_at"]
    list_filter = ["status", "reversed_fulfilment"]
    search_fields = ["order__number", "provider_refund_id"]
    readonly_fields = [f.name for f in Refund._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
