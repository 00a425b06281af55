from django.contrib import admin

from simrenew.kit.admin import ReadOnlyAdmin
from simrenew.throttles.models import Counter


@admin.register(Counter)
class CounterAdmin(ReadOnlyAdmin):
    """How often rate limits are reached, per rule; actors are keyed hashes, never readable."""

    list_display = ["rule", "used", "window_ends"]
    list_filter = ["rule"]
    readonly_fields = ["rule", "actor", "used", "window_ends"]
