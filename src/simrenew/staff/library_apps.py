"""The apps of django-otp and django-axes under names staff read in their language in the back office,
and Django's admin on a site of ours (INSTALLED_APPS names these configs; the apps and their models
are the libraries' own). A module of their own: Django picks an app's config from its apps module only
when it holds one."""

from typing import Any

from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


def _name_models(config: AppConfig, names: dict[str, tuple[Any, Any]]) -> None:
    """Give a library's models names staff read in their language (what the admin shows). Only what is
    shown changes: the migrations read the names the library declared (Meta's original attributes)."""
    for model_name, (singular, plural) in names.items():
        options = config.get_model(model_name)._meta
        options.verbose_name, options.verbose_name_plural = singular, plural


# django-otp's two device apps, under names staff read in their language in the back office (the apps
# and their models are django-otp's own; only the names shown change).
class AuthenticatorAppsConfig(AppConfig):
    name = "django_otp.plugins.otp_totp"
    label = "otp_totp"
    default_auto_field = "django.db.models.AutoField"
    verbose_name = _("Two-factor: authenticator apps")

    def ready(self) -> None:
        _name_models(self, {"TOTPDevice": (_("authenticator app"), _("authenticator apps"))})


class RecoveryCodesConfig(AppConfig):
    name = "django_otp.plugins.otp_static"
    label = "otp_static"
    default_auto_field = "django.db.models.AutoField"
    verbose_name = _("Two-factor: recovery codes")

    def ready(self) -> None:
        _name_models(
            self,
            {
                "StaticDevice": (_("set of recovery codes"), _("sets of recovery codes")),
                "StaticToken": (_("recovery code"), _("recovery codes")),
            },
        )


class StaffAdminConfig(AdminConfig):
    """Django's admin, on a site that lets in only staff with a permission in it (staff.admin_site)."""

    default_site = "simrenew.staff.admin_site.StaffAdminSite"


class SignInAttemptsConfig(AxesConfig):
    """django-axes (sign-in attempts counted and locked out), under a name staff read in their language."""

    verbose_name = _("Sign-in attempts")


# The names django-axes gives the models the back office lists, translated in our catalogues (the
# library's own have no Chinese or Dutch); listed here so that makemessages keeps them.
AXES_MODEL_NAMES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
)
