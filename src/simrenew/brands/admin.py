from django.contrib import admin

from simrenew.brands.models import Brand, PaymentMethodFee
from simrenew.kit.admin import ModelAdmin, TabularInline


class FeeInline(TabularInline):
    model = PaymentMethodFee
    extra = 0


@admin.register(Brand)
class BrandAdmin(ModelAdmin):
    list_display = ["code", "name", "legal_name", "vat_number", "credit_validity_days", "grace_days"]
    inlines = [FeeInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "primary_colour", "accent_colour", "currency"]}),
        ("Support", {"fields": ["support_phone", "support_email", "official_domains"]}),
        (
            "Seller on receipts",
            {"fields": ["legal_name", "legal_street", "legal_postal_code", "legal_city", "legal_cities", "vat_number"]},
        ),
        ("Rules", {"fields": ["credit_validity_days", "grace_days", "reminder_days"]}),
    ]
