from django.contrib import admin

from simrenew.notifications.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["kind", "recipient", "subject", "created_at"]
    list_filter = ["kind"]
