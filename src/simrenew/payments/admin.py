from django.contrib import admin

from simrenew.payments.models import Payment, PaymentEvent, WebhookInbox


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
