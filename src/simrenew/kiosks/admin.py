from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from simrenew.kiosks.models import CashSession, Kiosk, KioskSale


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "location", "active"]


@admin.register(CashSession)
class CashSessionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kiosk", "purpose", "status", "inserted_amount"]
    list_filter = ["kiosk", "status"]
    exclude = ["token"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(KioskSale)
class KioskSaleAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kiosk", "order", "method", "amount"]
    list_filter = ["kiosk", "method"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
