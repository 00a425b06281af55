"""Back office: the out-of-bundle rates (a new version from a moment on, never an edit of the past),
network clients and their secrets, and charging sessions (read-only)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _

from simrenew.charging import clients
from simrenew.charging.models import MB_BYTES, ChargingSession, NetworkClient, Rate, RatingGroup, Reservation
from simrenew.kit import clock
from simrenew.kit.admin import ModelAdmin, ReadOnlyAdmin, TabularInline
from simrenew.kit.codes import readable_code
from simrenew.kit.money import format_money
from simrenew.terminals import sealing
from simrenew.terminals.service import new_secret


class RateForm(forms.ModelForm):
    class Meta:
        model = Rate
        fields = [
            "brand",
            "rating_group",
            "valid_from",
            "price_amount",
            "per_units",
            "rounding_units",
            "fair_use_units",
            "currency",
        ]

    def clean_valid_from(self) -> Any:
        valid_from = self.cleaned_data["valid_from"]
        if valid_from is not None and valid_from < clock.now() and self.instance.pk is None:
            raise forms.ValidationError(_("A new rate applies from now or a later moment, never from the past."))
        return valid_from


def _in_force(obj: Model | None) -> bool:
    return isinstance(obj, Rate) and obj.valid_from is not None and obj.valid_from <= clock.now()


def _units(rating_group: int, count: int) -> tuple[int, str]:
    """`count` units of the rating group in the largest unit that divides it: MB, KB or bytes for data,
    minutes or seconds for calls, messages for SMS."""
    if rating_group in (RatingGroup.DATA, RatingGroup.ROAMING_EU):
        if count % MB_BYTES == 0:
            return count // MB_BYTES, gettext("MB")
        if count % 1024 == 0:
            return count // 1024, gettext("KB")
        return count, gettext("bytes")
    if rating_group == RatingGroup.VOICE:
        return (
            (count // 60, pgettext("unit of time", "min"))
            if count % 60 == 0
            else (count, pgettext("unit of time", "s"))
        )
    return count, gettext("SMS")


def rate_price(rate: Rate) -> str:
    """The rate as staff read it: "€0.08 per MB", "€0.20 per min", "€0.15 per 10 SMS"."""
    price = format_money(rate.price_amount, rate.currency, get_language() or "en")
    count, unit = _units(rate.rating_group, rate.per_units)
    if count == 1:
        return gettext("%(price)s per %(unit)s") % {"price": price, "unit": unit}
    return gettext("%(price)s per %(count)s %(unit)s") % {"price": price, "count": count, "unit": unit}


@admin.register(Rate)
class RateAdmin(ModelAdmin):
    """A rate in force is never edited: a change is a new version with its own start."""

    form = RateForm
    list_display = ["brand", "rating_group", "valid_from", "price", "price_amount", "per_units", "rounding_units"]
    list_filter = ["brand", "rating_group"]
    list_select_related = ["brand"]
    ordering = ["brand", "rating_group", "-valid_from"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Rate]:
        # The brand is loaded with each rate: the change page's title and Rate.__str__ show its code.
        return super().get_queryset(request).select_related("brand")

    @admin.display(description=_("price"), ordering="price_amount")
    def price(self, obj: Rate) -> str:
        return rate_price(obj)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Model | None = None,
    ) -> Any:
        if _in_force(obj):  # every field is read-only: nothing to save
            context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [*RateForm.Meta.fields] if _in_force(obj) else []

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False if _in_force(obj) else super().has_delete_permission(request, obj)  # charged at it


class NetworkClientForm(forms.ModelForm):
    class Meta:
        model = NetworkClient
        fields = ["name", "active"]


@admin.register(NetworkClient)
class NetworkClientAdmin(ModelAdmin):
    """A client gets a secret when added or rotated; it is shown once, then kept sealed."""

    form = NetworkClientForm
    list_display = ["key_id", "name", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["key_id", "name"]
    readonly_fields = ["key_id", "created_at"]
    actions = ["rotate_secrets"]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # deactivate instead: sessions and the audit log refer to it

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        plain = new_secret()
        obj.key_id = f"NF-{readable_code(8)}"
        obj.secret_sealed = sealing.seal(plain)
        super().save_model(request, obj, form, change)
        messages.warning(request, f"Network client {obj.key_id}: secret {plain} (shown once).")

    @admin.action(description=_("Rotate the secret (the old one stops working at once)"))
    def rotate_secrets(self, request: HttpRequest, queryset: QuerySet[NetworkClient]) -> None:
        for client in queryset:
            plain = clients.rotate_secret(client=client)
            messages.warning(request, f"Network client {client.key_id}: new secret {plain} (shown once).")


class ReservationInline(TabularInline):
    model = Reservation
    extra = 0
    can_delete = False
    fields = ("rating_group", "granted_units", "allowance_units", "bonus_amount", "credit_amount", "charged_amount")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ChargingSession)
class ChargingSessionAdmin(ReadOnlyAdmin):
    list_display = ["ref", "line", "client", "status", "sequence", "created_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["ref", "line__msisdn"]
    inlines = [ReservationInline]
