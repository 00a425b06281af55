"""What browsers ask every site for at a fixed address: the favicon and the web app manifest that makes
the portal installable on a phone's home screen."""

from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

ICONS = Path(__file__).resolve().parent / "static" / "simrenew" / "icons"
THEME_COLOUR = "#1f5fbf"  # portal.css --accent
BACKGROUND_COLOUR = "#f6f7f9"  # portal.css --bg


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponse((ICONS / "favicon.ico").read_bytes(), content_type="image/x-icon")


@require_safe
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> JsonResponse:
    """The manifest in the visitor's language; it opens the portal's home page in that language."""
    icons = [
        {"src": static(f"simrenew/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ] + [
        {
            "src": static(f"simrenew/icons/icon-maskable-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for size in (192, 512)
    ]
    body = {
        "name": _("simrenew: renew and top up your prepaid SIM"),
        "short_name": "simrenew",
        "description": _("Renew your bundle and top up your credit, for your own number or someone else's."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("portal:home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons,
    }
    response = JsonResponse(body, content_type="application/manifest+json")
    response["Vary"] = "Accept-Language, Cookie"
    return response
