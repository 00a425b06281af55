from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from simrenew.customers.models import LineLink, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "language", "email_verified_at", "is_staff", "is_active"]
    search_fields = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name", "language", "email_verified_at")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")


@admin.register(LineLink)
class LineLinkAdmin(admin.ModelAdmin):
    list_display = ["customer", "line", "linked_at"]
