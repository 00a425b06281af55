"""Back office for retail: retailers, outlets, terminals and cashiers, commission rates, float
top-ups (through retail.service, which posts the journal) and the daily settlement page and CSV."""

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from simrenew.audit import service as audit
from simrenew.customers.models import User
from simrenew.kit.admin import AsciiDecimalField, ModelAdmin, ReadOnlyAdmin, TabularInline
from simrenew.kit.money import format_money
from simrenew.retail import queries, service
from simrenew.retail.models import (
    Cashier,
    CommissionRate,
    FloatDeposit,
    Outlet,
    OutletTerminal,
    Retailer,
    Sale,
)
from simrenew.staff.access import requires_permission
from simrenew.staff.permissions import VIEW_SETTLEMENT_REPORT


class OutletInline(TabularInline):
    model = Outlet
    extra = 0
    fields = ["name", "street", "postal_code", "city", "active"]


class CommissionRateInline(TabularInline):
    model = CommissionRate
    extra = 1
    fields = ["brand", "product", "rate_bp"]


def _user_of(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@admin.register(Retailer)
class RetailerAdmin(ModelAdmin):
    list_display = ["name", "kind", "active", "float_balance", "settlement_link"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    inlines = [OutletInline, CommissionRateInline]

    @admin.display(description=_("Float"))
    def float_balance(self, obj: Retailer) -> str:
        return format_money(service.float_balance(obj))

    @admin.display(description=_("Settlement"))
    def settlement_link(self, obj: Retailer) -> str:
        url = reverse("admin:retail_retailer_settlement", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Today's settlement"))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is CommissionRate:
            for rate in formset.new_objects + [obj for obj, _fields in formset.changed_objects]:
                audit.record(
                    action="retail.commission_rate_set",
                    target=f"retailer:{rate.retailer_id}",
                    user=_user_of(request),
                    ip_address=audit.client_ip(request),
                    details={"brand": rate.brand_id, "product": rate.product_id, "rate_bp": rate.rate_bp},
                )

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:retailer_id>/settlement/",
                self.admin_site.admin_view(self.settlement_view),
                name="retail_retailer_settlement",
            )
        ]
        return extra + super().get_urls()

    @method_decorator(requires_permission(VIEW_SETTLEMENT_REPORT))
    def settlement_view(self, request: HttpRequest, retailer_id: int) -> HttpResponse:
        retailer = get_object_or_404(Retailer, pk=retailer_id)
        try:
            day = date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            day = queries.today()
        outlet = retailer.outlets.filter(pk=request.GET.get("outlet") or 0).first()
        result = queries.settlement(retailer=retailer, day=day, outlet=outlet)
        if request.GET.get("format") == "csv":
            response = HttpResponse(queries.settlement_csv(result), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="settlement-{retailer.pk}-{day}.csv"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("Settlement"),
            "settlement": result,
            "opts": self.model._meta,
            "outlets": retailer.outlets.all(),
        }
        return TemplateResponse(request, "retail/admin_settlement.html", context)


class OutletTerminalInline(TabularInline):
    model = OutletTerminal
    extra = 0


class CashierInline(TabularInline):
    model = Cashier
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Outlet)
class OutletAdmin(ModelAdmin):
    list_display = ["name", "retailer", "city", "active"]
    list_filter = ["retailer", "active"]
    search_fields = ["name", "city", "retailer__name"]
    inlines = [OutletTerminalInline, CashierInline]


@admin.register(CommissionRate)
class CommissionRateAdmin(ModelAdmin):
    list_display = ["retailer", "brand", "product", "rate_bp"]
    list_editable = ["rate_bp"]
    list_filter = ["retailer", "brand"]

    def save_model(self, request: HttpRequest, obj: CommissionRate, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            action="retail.commission_rate_set",
            target=f"retailer:{obj.retailer_id}",
            user=_user_of(request),
            ip_address=audit.client_ip(request),
            details={"brand": obj.brand_id, "product": obj.product_id, "rate_bp": obj.rate_bp},
        )


class FloatDepositForm(forms.ModelForm):
    amount_euros = AsciiDecimalField(
        label=_("Amount (EUR)"), min_value=Decimal("0.01"), max_value=Decimal("1000000"), decimal_places=2
    )

    class Meta:
        model = FloatDeposit
        fields = ["retailer", "reference"]


@admin.register(FloatDeposit)
class FloatDepositAdmin(ModelAdmin):
    """Float top-ups: adding one records the deposit and posts its journal; nothing is ever changed."""

    form = FloatDepositForm
    list_display = ["created_at", "retailer", "amount_display", "reference", "created_by"]
    list_filter = ["retailer"]

    @admin.display(description=_("Amount"))
    def amount_display(self, obj: FloatDeposit) -> str:
        return format_money(obj.amount, obj.currency)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: FloatDeposit, form: Any, change: bool) -> None:
        amount = int(form.cleaned_data["amount_euros"] * 100)
        deposit = service.top_up_float(
            retailer=obj.retailer, amount=amount, reference=obj.reference, user=_user_of(request)
        )
        obj.pk, obj.amount, obj.created_at, obj.created_by = (
            deposit.pk,
            deposit.amount,
            deposit.created_at,
            deposit.created_by,
        )


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdmin):
    list_display = ["number", "created_at", "retailer", "outlet", "kind", "amount", "commission_amount", "status"]
    list_filter = ["retailer", "kind", "status"]
    search_fields = ["number", "msisdn"]
    date_hierarchy = "created_at"
