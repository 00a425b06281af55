"""Top-level URLs: language-prefixed pages, the API, webhooks and the payment sandbox."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from simrenew.api.urls import api
from simrenew.web import site_files, webhooks
from simrenew.web.language import set_language
from simrenew.web.ops import views as ops

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("payments/webhooks/mollie/", webhooks.mollie_webhook, name="mollie_webhook"),
    path("payments/webhooks/mollie/terminal/", webhooks.mollie_terminal_webhook, name="mollie_terminal_webhook"),
    path("api/", api.urls),
    path("favicon.ico", site_files.favicon, name="favicon"),
    path("manifest.webmanifest", site_files.manifest, name="web_manifest"),
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics_view, name="metrics"),
]
# Demo only: in production the sandbox does not exist, whatever PAYMENT_SANDBOX says (simrenew.checks
# refuses to start with it on anyway).
if settings.PAYMENT_SANDBOX and not settings.PRODUCTION:
    urlpatterns.append(path("sandbox/mollie/", include("simrenew.sandbox.urls")))

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("shop/", include("simrenew.web.shop.urls")),
    path("pos/", include("simrenew.web.pos.urls")),
    path("kiosk/", include("simrenew.web.kiosk.urls")),
    path("backoffice/", include("simrenew.web.backoffice.urls")),
    path("staff/", include("simrenew.web.staff.urls")),
    path("", include("simrenew.web.portal.urls")),
    prefix_default_language=True,
)

# A request that fails because the database is briefly gone gets 503 with Retry-After, not 500.
handler500 = "simrenew.web.error_views.server_error"
handler404 = "simrenew.web.error_views.page_not_found"
