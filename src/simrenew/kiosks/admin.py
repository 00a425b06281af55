"""Back office for kiosks: the kiosks, their enrolled screens (issue an enrolment code, revoke a
screen), and their cash sessions and sales to read."""

from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from simrenew.customers.models import User
from simrenew.kiosks import devices
from simrenew.kiosks.models import CashSession, Kiosk, KioskDevice, KioskSale
from simrenew.kit.admin import ModelAdmin, ReadOnlyAdmin, TabularInline

SCREEN_FIELDS: tuple[str, ...] = ("kiosk", "label", "enrolled_from", "enrolled_at", "last_seen_at", "revoked_at")


def _staff(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class KioskDeviceInline(TabularInline):
    """The kiosk's screens, to read here; revoked in Kiosk screens."""

    model = KioskDevice
    fields = readonly_fields = SCREEN_FIELDS[1:]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Kiosk)
class KioskAdmin(ModelAdmin):
    list_display = ["name", "code", "location", "active", "card_terminal", "screens"]
    list_select_related = ["card_terminal"]
    inlines = [KioskDeviceInline]
    actions = ["issue_enrolment_codes"]

    @admin.display(description=_("screens in service"))
    def screens(self, kiosk: Kiosk) -> int:
        return kiosk.devices.filter(revoked_at__isnull=True).count()

    @admin.action(description=_("Issue an enrolment code (shown once)"), permissions=["change"])
    def issue_enrolment_codes(self, request: HttpRequest, queryset: QuerySet[Kiosk]) -> None:
        minutes = settings.KIOSK_ENROLMENT_CODE_MINUTES
        for kiosk in queryset:
            with transaction.atomic():
                _code, plain = devices.issue_enrolment_code(kiosk=kiosk, issued_by=_staff(request))
            self.message_user(
                request,
                _(
                    "%(kiosk)s: enrolment code %(code)s, valid for %(minutes)d minutes and for one screen "
                    "(shown once). On the screen, open %(url)s"
                )
                % {"kiosk": kiosk.name, "code": plain, "minutes": minutes, "url": devices.enrolment_url(kiosk, plain)},
                messages.WARNING,
            )


@admin.register(KioskDevice)
class KioskDeviceAdmin(ModelAdmin):
    """Enrolled screens per kiosk. They are added by enrolling a screen and never edited; revoking
    one shows the neutral "not in service" page on it from its next request."""

    list_display = ["__str__", *SCREEN_FIELDS]
    list_filter = ["kiosk", ("revoked_at", admin.EmptyFieldListFilter)]
    fields = readonly_fields = SCREEN_FIELDS
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # revoke instead: the audit log refers to screens

    @admin.action(description=_("Revoke the selected screens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[KioskDevice]) -> None:
        with transaction.atomic():
            count = devices.revoke(devices=queryset, by=_staff(request))
        self.message_user(
            request,
            ngettext("%(count)d screen revoked.", "%(count)d screens revoked.", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(CashSession)
class CashSessionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kiosk", "purpose", "status", "inserted_amount"]
    list_filter = ["kiosk", "status"]
    exclude = ["token"]


@admin.register(KioskSale)
class KioskSaleAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kiosk", "order", "method", "amount"]
    list_filter = ["kiosk", "method"]
