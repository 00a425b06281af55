from django.contrib import admin

from simrenew.orders.models import Order, Receipt


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "line", "kind", "channel", "method", "total_amount", "status", "created_at"]
    list_filter = ["status", "kind", "channel", "method"]
    search_fields = ["number", "line__msisdn"]
    readonly_fields = [f.name for f in Order._meta.fields]


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ["number", "order", "issued_at"]
    search_fields = ["number"]
