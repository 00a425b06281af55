from django.contrib import admin

from simrenew.kit.admin import ModelAdmin
from simrenew.notifications.models import MarketingConsent, Notification, NotificationPreference, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ModelAdmin):
    list_display = ["kind", "recipient", "subject", "created_at"]
    list_filter = ["kind"]


@admin.register(Notification)
class NotificationAdmin(ModelAdmin):
    list_display = ["kind", "channel", "recipient", "status", "send_after", "sent_at", "language"]
    list_filter = ["kind", "channel", "status"]
    search_fields = ["event_key", "recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ModelAdmin):
    list_display = ["customer", "kind", "email", "sms"]
    list_filter = ["kind"]


@admin.register(MarketingConsent)
class MarketingConsentAdmin(ModelAdmin):
    list_display = ["customer", "email", "sms", "updated_at"]
