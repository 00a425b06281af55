from django.contrib import admin

from simrenew.kiosks.models import CashSession, Kiosk, KioskSale
from simrenew.kit.admin import ReadOnlyAdmin


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "location", "active"]


@admin.register(CashSession)
class CashSessionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kiosk", "purpose", "status", "inserted_amount"]
    list_filter = ["kiosk", "status"]
    exclude = ["token"]


@admin.register(KioskSale)
class KioskSaleAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kiosk", "order", "method", "amount"]
    list_filter = ["kiosk", "method"]
