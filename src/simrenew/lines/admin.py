from django.contrib import admin

from simrenew.kit.admin import ModelAdmin
from simrenew.lines.models import BonusGrant, BundlePeriod, Line


@admin.register(Line)
class LineAdmin(ModelAdmin):
    list_display = ["msisdn", "brand", "status", "identity_status", "credit_expires_at", "auto_renew"]
    list_filter = ["brand", "status", "identity_status"]
    search_fields = ["msisdn", "iccid"]


@admin.register(BundlePeriod)
class BundlePeriodAdmin(ModelAdmin):
    list_display = ["line", "product", "status", "starts_at", "ends_at", "data_mb_left"]
    list_filter = ["status"]


@admin.register(BonusGrant)
class BonusGrantAdmin(ModelAdmin):
    list_display = ["line", "amount", "remaining_amount", "granted_at", "expires_at", "expired_at"]
    search_fields = ["line__msisdn", "source_key"]
    readonly_fields = [f.name for f in BonusGrant._meta.fields]
