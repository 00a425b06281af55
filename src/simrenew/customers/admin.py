from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from simrenew.customers.models import LineHolding, LineLink, User
from simrenew.kit.admin import ASCII_NUMBERS, ReadOnlyAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    formfield_overrides = ASCII_NUMBERS
    ordering = ["email"]
    list_display = ["email", "language", "email_verified_at", "is_staff", "is_active", "erased_at"]
    search_fields = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name", "language", "email_verified_at")}),
        ("Address", {"fields": ("address_street", "address_postcode", "address_city", "address_country")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")


@admin.register(LineLink)
class LineLinkAdmin(ReadOnlyAdmin):
    """Who holds each line now. Links change only by the SMS code (customers.service.take_line)."""

    list_display = ["line", "customer", "linked_at"]
    search_fields = ["line__msisdn", "customer__email"]


@admin.register(LineHolding)
class LineHoldingAdmin(ReadOnlyAdmin):
    """Who held which line when (support answers "whose was this number on that day?")."""

    list_display = ["line", "customer", "started_at", "ended_at", "end_reason"]
    list_filter = ["end_reason"]
    search_fields = ["line__msisdn", "customer__email"]
