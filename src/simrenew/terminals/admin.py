from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from simrenew.kit.admin import ModelAdmin
from simrenew.kit.codes import readable_code
from simrenew.terminals import sealing, service
from simrenew.terminals.models import Terminal


class TerminalForm(forms.ModelForm):
    class Meta:
        model = Terminal
        fields = ["name", "kind", "active"]


@admin.register(Terminal)
class TerminalAdmin(ModelAdmin):
    """Terminals get a secret when they are added or rotated; it is shown once, then kept sealed."""

    form = TerminalForm
    list_display = ["key_id", "name", "kind", "active", "created_at"]
    list_filter = ["kind", "active"]
    search_fields = ["key_id", "name"]
    readonly_fields = ["key_id", "created_at"]
    actions = ["rotate_secrets", "deactivate"]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # deactivate instead: the audit log refers to key ids

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        plain = service.new_secret()
        obj.key_id = f"T-{readable_code(8)}"
        obj.secret_sealed = sealing.seal(plain)
        super().save_model(request, obj, form, change)
        messages.warning(request, f"Terminal {obj.key_id}: secret {plain} (shown once; give it to the installer).")

    @admin.action(description="Rotate the secret (the old one stops working at once)")
    def rotate_secrets(self, request: HttpRequest, queryset: QuerySet[Terminal]) -> None:
        for terminal in queryset:
            plain = service.rotate_secret(terminal=terminal)
            messages.warning(request, f"Terminal {terminal.key_id}: new secret {plain} (shown once).")

    @admin.action(description="Deactivate (refuse every request)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Terminal]) -> None:
        queryset.update(active=False)
