"""The Django admin's site, letting in only staff who may read or change something in it.

Django's own site lets in any active staff login (is_staff). Shop assistants and managers are staff
too (the shop desk needs it) but hold no permission on any model the admin shows: their admin would be
an empty page saying so, with a password change for a login shared at the counter. Here the admin is
open to a staff login only when it holds at least one of the view, add, change or delete permissions
of a model registered in it.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

MODEL_ACTIONS = ("view", "add", "change", "delete")


class StaffAdminSite(admin.AdminSite):
    # simrenew's names, not Django's ("Django administration") in the header and the browser's tab
    site_header = _("simrenew back office")
    site_title = _("simrenew back office")
    index_title = _("Admin")

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return holds_admin_permission(self, request.user)


def holds_admin_permission(site: admin.AdminSite, user: Any) -> bool:
    """Whether `user` holds a permission on a model registered in `site` (superusers hold every one)."""
    if user.is_superuser:
        return True
    held = user.get_all_permissions()
    return any(
        f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}" in held
        for model in site._registry
        for action in MODEL_ACTIONS
    )
