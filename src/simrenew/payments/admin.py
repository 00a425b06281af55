from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from simrenew.kit.admin import ModelAdmin, ReadOnlyAdmin
from simrenew.payments import pointofsale
from simrenew.payments.models import (
    CardTerminal,
    Mandate,
    Payment,
    PaymentEvent,
    ProviderCustomer,
    TerminalPayment,
    WebhookInbox,
)
from simrenew.payments.provider import ProviderError
from simrenew.staff.access import declare


@admin.register(CardTerminal)
class CardTerminalAdmin(ReadOnlyAdmin):
    """The account's terminals as Mollie lists them: refreshed here or with `sync_card_terminals`,
    assigned on the shop's or kiosk's own page."""

    list_display = ["provider_terminal_id", "description", "brand", "model", "serial_number", "status", "synced_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in CardTerminal._meta.fields]
    actions = ["refresh_from_mollie"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        # The refresh acts on the whole account: allow it with no terminal selected (or none stored yet).
        if request.method == "POST" and request.POST.get("action") == "refresh_from_mollie":
            post = request.POST.copy()
            post.setlist(ACTION_CHECKBOX_NAME, ["0"])
            request.POST = post  # type: ignore[assignment]
        return super().changelist_view(request, extra_context)

    # The admin checks the view permission itself; declared for the staff-page walk.
    declare(changelist_view, "payments.view_cardterminal")

    @admin.action(description=_("Fetch the terminals from Mollie"))
    def refresh_from_mollie(self, request: HttpRequest, queryset: QuerySet[CardTerminal]) -> None:
        try:
            found = pointofsale.sync_terminals()
        except ProviderError as exc:
            self.message_user(
                request, _("Mollie could not list the terminals: %(error)s") % {"error": exc}, messages.ERROR
            )
            return
        self.message_user(
            request, _("%(count)d terminal(s) listed by Mollie.") % {"count": len(found)}, messages.SUCCESS
        )


@admin.register(TerminalPayment)
class TerminalPaymentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "terminal", "amount", "status", "outcome", "order", "created_at"]
    list_filter = ["channel", "status", "outcome"]
    readonly_fields = [f.name for f in TerminalPayment._meta.fields]


@admin.register(Payment)
class PaymentAdmin(ModelAdmin):
    list_display = ["provider_payment_id", "order", "method", "amount", "status", "created_at"]
    list_filter = ["provider", "method", "status"]


@admin.register(WebhookInbox)
class WebhookInboxAdmin(ModelAdmin):
    list_display = ["provider", "provider_payment_id", "received_at", "processed_at", "outcome"]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ModelAdmin):
    list_display = ["provider", "provider_payment_id", "status", "recorded_at"]


@admin.register(Mandate)
class MandateAdmin(ModelAdmin):
    list_display = ["label", "customer", "provider_mandate_id", "method", "status", "created_at"]
    list_filter = ["provider", "method", "status"]
    search_fields = ["provider_mandate_id", "provider_customer_id", "customer__email"]
    readonly_fields = ["customer", "provider", "provider_customer_id", "provider_mandate_id", "created_at"]


@admin.register(ProviderCustomer)
class ProviderCustomerAdmin(ModelAdmin):
    list_display = ["customer", "provider", "provider_customer_id", "created_at"]
    search_fields = ["provider_customer_id", "customer__email"]
