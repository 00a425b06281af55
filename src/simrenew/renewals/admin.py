from django.contrib import admin

from simrenew.kit.admin import ModelAdmin, TabularInline
from simrenew.renewals.models import AutoRenewSetting, JobWatermark, RenewalAttempt, RenewalCharge, SpendingCap


class RenewalChargeInline(TabularInline):
    model = RenewalCharge
    extra = 0
    can_delete = False
    fields = readonly_fields = ("try_number", "order", "funding", "mandate", "key", "created_at")


@admin.register(RenewalAttempt)
class RenewalAttemptAdmin(ModelAdmin):
    list_display = ["line", "product", "status", "reason", "due_at", "tries", "next_try_at", "finished_at"]
    list_filter = ["status", "reason"]
    search_fields = ["line__msisdn"]
    readonly_fields = [f.name for f in RenewalAttempt._meta.fields]
    inlines = [RenewalChargeInline]


@admin.register(AutoRenewSetting)
class AutoRenewSettingAdmin(ModelAdmin):
    list_display = ["line", "customer", "updated_at"]
    search_fields = ["line__msisdn", "customer__email"]


@admin.register(SpendingCap)
class SpendingCapAdmin(ModelAdmin):
    list_display = ["customer", "monthly_limit_amount", "updated_at"]


@admin.register(JobWatermark)
class JobWatermarkAdmin(ModelAdmin):
    list_display = ["name", "done_until", "last_finished_at", "last_result", "runs", "lease_until"]
    readonly_fields = [f.name for f in JobWatermark._meta.fields]
