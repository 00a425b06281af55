from django.contrib import admin

from simrenew.brands.models import Brand, PaymentMethodFee


class FeeInline(admin.TabularInline):
    model = PaymentMethodFee
    extra = 0


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "credit_validity_days", "grace_days"]
    inlines = [FeeInline]
