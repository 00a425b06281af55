"""Back office for promotions: create and edit them, activate, pause and end them, see redemptions."""

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from simrenew.kit.admin import ModelAdmin, TabularInline
from simrenew.promotions import service
from simrenew.promotions.errors import PromotionEnded
from simrenew.promotions.models import Promotion, PromotionKind, PromotionStatus, Redemption


def channel_choices() -> list[tuple[str, str]]:
    # The order channels, read from the orders app without importing it (it sits above promotions).
    field = apps.get_model("orders", "Order")._meta.get_field("channel")
    return [(str(value), str(label)) for value, label in field.choices or []]


class PromotionForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every channel"),
    )

    class Meta:
        model = Promotion
        fields = [
            "code", "names", "kind", "status", "brand", "products", "channels", "promo_code", "new_lines_only",
            "starts_at", "ends_at", "per_line_limit", "per_customer_limit", "stackable", "percent_bp", "amount_off",
            "bonus_amount", "bonus_percent_bp", "bonus_validity_days", "min_topup_amount",
            "within_days_of_previous_topup", "budget_amount", "currency",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = self.fields["channels"]
        assert isinstance(channels, forms.MultipleChoiceField)
        channels.choices = channel_choices()

    def clean_promo_code(self) -> str:
        return service.normalize_code(self.cleaned_data.get("promo_code") or "")

    def clean_names(self) -> dict[str, str]:
        names = self.cleaned_data.get("names") or {}
        if not isinstance(names, dict) or not str(names.get("en", "")).strip():
            raise forms.ValidationError(_('Give at least the English name, e.g. {"en": "Welcome offer"}.'))
        return {str(key): str(value) for key, value in names.items()}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind in service.BUNDLE_KINDS and not (data.get("percent_bp") or data.get("amount_off")):
            self.add_error("percent_bp", _("A bundle offer needs a percentage or an amount off."))
        if kind == PromotionKind.TOPUP_BONUS and not (data.get("bonus_amount") or data.get("bonus_percent_bp")):
            self.add_error("bonus_amount", _("A top-up bonus needs a bonus amount or percentage."))
        if (data.get("percent_bp") or 0) > 10000:
            self.add_error("percent_bp", _("At most 10000 (100 %)."))
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must come after the start."))
        return data


class RedemptionInline(TabularInline):
    model = Redemption
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "order_id",
        "line",
        "customer",
        "discount_amount",
        "bonus_amount",
        "status",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Promotion)
class PromotionAdmin(ModelAdmin):
    form = PromotionForm
    list_display = ["code", "kind", "status", "brand", "promo_code", "starts_at", "ends_at", "budget_amount",
                    "spent_amount", "redemptions_count"]  # fmt: skip
    list_filter = ["status", "kind", "brand"]
    search_fields = ["code", "promo_code"]
    filter_horizontal = ["products"]
    readonly_fields = ["spent_amount", "redemptions_count"]
    inlines = [RedemptionInline]
    actions = ["activate", "pause", "end"]

    def _set(self, request: HttpRequest, queryset: QuerySet[Promotion], status: str) -> None:
        changed = 0
        for promotion in queryset:
            try:
                service.set_status(promotion=promotion, status=status)
                changed += 1
            except PromotionEnded:
                messages.warning(request, _("%(code)s has ended and cannot start again.") % {"code": promotion.code})
        messages.success(request, _("%(count)d promotion(s) changed.") % {"count": changed})

    @admin.action(description=_("Activate the selected promotions"))
    def activate(self, request: HttpRequest, queryset: QuerySet[Promotion]) -> None:
        self._set(request, queryset, PromotionStatus.ACTIVE)

    @admin.action(description=_("Pause the selected promotions"))
    def pause(self, request: HttpRequest, queryset: QuerySet[Promotion]) -> None:
        self._set(request, queryset, PromotionStatus.PAUSED)

    @admin.action(description=_("End the selected promotions"))
    def end(self, request: HttpRequest, queryset: QuerySet[Promotion]) -> None:
        self._set(request, queryset, PromotionStatus.ENDED)


@admin.register(Redemption)
class RedemptionAdmin(ModelAdmin):
    list_display = [
        "promotion",
        "order_id",
        "line",
        "customer",
        "discount_amount",
        "bonus_amount",
        "status",
        "created_at",
    ]
    list_filter = ["status", "promotion"]
    readonly_fields = [f.name for f in Redemption._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
