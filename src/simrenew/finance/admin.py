from django.contrib import admin

from simrenew.finance.models import Difference, ReconciliationRun
from simrenew.kit.admin import ModelAdmin


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ModelAdmin):
    list_display = ("day", "provider", "status", "runs", "last_run_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ReconciliationRun._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Difference)
class DifferenceAdmin(ModelAdmin):
    list_display = ("run", "cause", "reference", "expected_amount", "found_amount", "resolution")
    list_filter = ("cause", "resolution")
    search_fields = ("reference",)
    readonly_fields = [f.name for f in Difference._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
