"""Admin views of the sandbox's records, for looking around while testing."""

from django.contrib import admin

from simrenew.kit.admin import ModelAdmin, TabularInline
from simrenew.sandbox.models import (
    SandboxCustomer,
    SandboxMandate,
    SandboxPayment,
    SandboxRefund,
    SandboxWebhookCall,
)


class RefundInline(TabularInline):
    model = SandboxRefund
    extra = 0
    fields = readonly_fields = ("public_id", "created_at", "status", "amount_value", "currency", "description")


class WebhookCallInline(TabularInline):
    model = SandboxWebhookCall
    extra = 0
    fields = readonly_fields = ("called_at", "url", "status_change", "attempt", "status_code", "error")


@admin.register(SandboxPayment)
class SandboxPaymentAdmin(ModelAdmin):
    list_display = ["public_id", "created_at", "description", "amount_value", "currency", "method", "status"]
    list_filter = ["status", "method", "sequence_type"]
    search_fields = ["public_id", "description", "transfer_reference"]
    readonly_fields = ["public_id", "created_at", "transfer_reference"]
    inlines = [RefundInline, WebhookCallInline]


@admin.register(SandboxWebhookCall)
class SandboxWebhookCallAdmin(ModelAdmin):
    list_display = ["payment", "called_at", "status_change", "attempt", "status_code", "error"]
    list_select_related = ["payment"]


@admin.register(SandboxCustomer)
class SandboxCustomerAdmin(ModelAdmin):
    list_display = ["public_id", "created_at", "name", "email"]
    search_fields = ["public_id", "email"]


@admin.register(SandboxMandate)
class SandboxMandateAdmin(ModelAdmin):
    list_display = ["public_id", "customer", "method", "status", "next_charge_outcome", "created_at"]
    list_filter = ["status", "method", "next_charge_outcome"]
