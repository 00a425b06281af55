from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from simrenew.shops.models import Shop, ShopSale, StaffProfile


class StaffInline(admin.TabularInline):
    model = StaffProfile
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "city", "active"]
    inlines = [StaffInline]


@admin.register(ShopSale)
class ShopSaleAdmin(admin.ModelAdmin):
    list_display = ["created_at", "shop", "staff", "order", "method", "amount"]
    list_filter = ["shop", "method"]
    readonly_fields = [f.name for f in ShopSale._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
