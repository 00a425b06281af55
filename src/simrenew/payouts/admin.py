from django.contrib import admin

from simrenew.kit.admin import ModelAdmin
from simrenew.payouts.models import LeftoverCreditRequest, PayoutBatch


@admin.register(LeftoverCreditRequest)
class LeftoverCreditRequestAdmin(ModelAdmin):
    list_display = ("id", "line", "status", "amount", "fee_amount", "iban_masked", "created_at")
    list_filter = ("status",)
    exclude = ("iban_encrypted",)
    readonly_fields = [field.name for field in LeftoverCreditRequest._meta.fields if field.name != "iban_encrypted"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ModelAdmin):
    list_display = ("message_id", "brand", "count", "total_amount", "created_at")
    exclude = ("xml_encrypted",)
    readonly_fields = [field.name for field in PayoutBatch._meta.fields if field.name != "xml_encrypted"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
