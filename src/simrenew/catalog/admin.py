from django.contrib import admin

from simrenew.catalog.models import Product
from simrenew.kit.admin import ModelAdmin


@admin.register(Product)
class ProductAdmin(ModelAdmin):
    list_display = [
        "brand",
        "code",
        "kind",
        "price_amount",
        "data_mb",
        "voice_minutes",
        "validity_days",
        "active",
    ]
    list_filter = ["brand", "kind", "active"]
