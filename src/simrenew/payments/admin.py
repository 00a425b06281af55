from django.contrib import admin

from simrenew.payments.models import Mandate, Payment, PaymentEvent, ProviderCustomer, WebhookInbox


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["provider_payment_id", "order", "method", "amount", "status", "created_at"]
    list_filter = ["provider", "method", "status"]


@admin.register(WebhookInbox)
class WebhookInboxAdmin(admin.ModelAdmin):
    list_display = ["provider", "provider_payment_id", "received_at", "processed_at", "outcome"]


@admin.register(PaymentEvent)
class PaymentEventAdmin(admin.ModelAdmin):
    list_display = ["provider", "provider_payment_id", "status", "recorded_at"]


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    list_display = ["label", "customer", "provider_mandate_id", "method", "status", "created_at"]
    list_filter = ["provider", "method", "status"]
    search_fields = ["provider_mandate_id", "provider_customer_id", "customer__email"]
    readonly_fields = ["customer", "provider", "provider_customer_id", "provider_mandate_id", "created_at"]


@admin.register(ProviderCustomer)
class ProviderCustomerAdmin(admin.ModelAdmin):
    list_display = ["customer", "provider", "provider_customer_id", "created_at"]
    search_fields = ["provider_customer_id", "customer__email"]
