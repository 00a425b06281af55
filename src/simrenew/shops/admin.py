from django.contrib import admin

from simrenew.kit.admin import ModelAdmin, ReadOnlyAdmin, TabularInline
from simrenew.shops.models import Shop, ShopSale, StaffProfile


class StaffInline(TabularInline):
    model = StaffProfile
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Shop)
class ShopAdmin(ModelAdmin):
    list_display = ["name", "code", "city", "active", "card_terminal"]
    list_select_related = ["card_terminal"]
    inlines = [StaffInline]


@admin.register(ShopSale)
class ShopSaleAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "shop", "staff", "order", "method", "amount"]
    list_filter = ["shop", "method"]
    readonly_fields = [f.name for f in ShopSale._meta.fields]
