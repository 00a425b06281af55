"""The answers to a request that failed unexpectedly (the URLconf's handler500) and to an address that
matches nothing, or names something that does not exist (handler404).

A request that failed because the database could not be reached for a moment (a restart, a failover,
a dropped connection) gets 503 with Retry-After instead of 500, so that a person, a terminal or a
proxy knows to try again shortly. That answer needs nothing from the database: no session, no user,
no context processors; its language comes from the URL, the language cookie or Accept-Language.

A 404 is a page of the area the address is in (the portal, the shop desk, the back office, a kiosk,
the POS, the staff sign-in and the admin), in that area's look, with a way back to the area's start:
on a kiosk, which has no address bar, a big button back to its start screen. Under /api/ it is the
API's JSON error. Should the area's page fail to render (its base template reads the user, the
session, the shop), a minimal page says the same.
"""

import logging
import sys
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views import defaults

from simrenew.kiosks import devices
from simrenew.kiosks.models import Kiosk
from simrenew.kit.errors import NotFound
from simrenew.shops import queries as shop_queries
from simrenew.web.kiosk import enrolment

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# How Django reports a database that refused, dropped or closed the connection (or is restarting).
DATABASE_GONE = (OperationalError, InterfaceError)
TITLE = _("Briefly unavailable")
UNAVAILABLE = _("The service is briefly unavailable, please try again in a few seconds.")
TRY_AGAIN = _("Try again")
NOT_FOUND_TITLE = _("Page not found")
NOT_FOUND = _("The page or item you are looking for does not exist or is no longer available.")
BACK_TO_START = _("Back to the start")
BACK_TO_DESK = _("Back to the desk")
BACK_TO_BACK_OFFICE = _("Back to the back office")
START_AGAIN = _("Start again")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 when the database could not be reached, Django's own 500 page otherwise."""
    if not database_unreachable(sys.exc_info()[1]):
        return defaults.server_error(request)
    language = translation.get_language_from_request(request, check_path=True)
    with translation.override(language):
        response = _unavailable_json() if _is_api(request) else _unavailable_page(request, language=language)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # A proxy or browser must not go on showing this answer once the database is back.
    response["Cache-Control"] = "no-store"
    return response


def database_unreachable(exc: BaseException | None) -> bool:
    """True when a database error caused `exc` (or is `exc`): the cause chain is followed, since a
    failure while handling a dropped connection is still the dropped connection's doing."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DATABASE_GONE):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _unavailable_json() -> HttpResponse:
    # The API's error shape, {"code", "detail"}, as its own handlers answer.
    return JsonResponse({"code": "unavailable", "detail": str(UNAVAILABLE)}, status=503)


def _unavailable_page(request: HttpRequest, *, language: str) -> HttpResponse:
    # No request given to the template: a RequestContext would run the context processors, and the
    # auth one reaches for the session and the user, both in the database.
    context = {
        "language": language,
        "title": TITLE,
        "message": UNAVAILABLE,
        "try_again": TRY_AGAIN,
        "path": request.get_full_path(),
        # The page's <style> needs the request's CSP nonce, which no context processor adds here.
        "csp_nonce": nonce if (nonce := get_nonce(request)) is not None else "",
    }
    return HttpResponse(render_to_string("common/unavailable.html", context), status=503)


# --- handler404 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """Where a 404 page takes its look (`base`, a base template with `title` and `content` blocks)
    and its way back (`home`, a URL name, labelled `back`)."""

    base: str
    home: str
    back: Promise


PORTAL = Area("portal/base.html", "portal:home", BACK_TO_START)
# By the first path segment after the language prefix; anything else is the portal's.
AREAS = {
    "shop": Area("shop/base.html", "shop:desk", BACK_TO_DESK),
    "backoffice": Area("backoffice/base.html", "backoffice:home", BACK_TO_BACK_OFFICE),
    "staff": Area("staff/base.html", "backoffice:home", BACK_TO_BACK_OFFICE),
    "admin": Area("staff/base.html", "admin:index", BACK_TO_START),
    "pos": Area("pos/base.html", "pos:home", BACK_TO_START),
    "kiosk": Area("kiosk/plain.html", "", START_AGAIN),  # its start screen is the screen's own kiosk's
}


def page_not_found(request: HttpRequest, exception: Exception | None) -> HttpResponse:
    """handler404: the area's own "Page not found" page in the URL's language; JSON under /api/."""
    language = translation.get_language_from_request(request, check_path=True)
    with translation.override(language):
        if _is_api(request):
            # The API's error shape, as a NotFound raised in an operation answers.
            return JsonResponse({"code": NotFound.code, "detail": str(NotFound.default_message)}, status=404)
        segments = _segments(request)
        name = segments[0] if segments else ""
        area = AREAS.get(name, PORTAL)
        try:
            page = _not_found_page(request, name, area)
        except Exception:
            # The area's base template reads the user, the session, the database: a 404 still says 404.
            log.exception("the %s 404 page failed for %s; answering the minimal one", name or "portal", request.path)
            page = _minimal_not_found_page(request, segments, area, language=language)
    return HttpResponse(page, status=404)


def _segments(request: HttpRequest) -> list[str]:
    """The path's segments after its language prefix: ["kiosk", "airport", "nope"]."""
    segments = [segment for segment in request.path_info.split("/") if segment]
    if segments and translation.get_language_from_path(request.path_info):
        return segments[1:]
    return segments


def _not_found_page(request: HttpRequest, name: str, area: Area) -> str:
    context: dict[str, object] = {"base": area.base, "title": NOT_FOUND_TITLE, "message": NOT_FOUND, "back": area.back}
    if name == "kiosk":
        # Only the kiosk's own screens see anything of a kiosk (web.kiosk.enrolment): any other
        # browser gets a neutral page, as the kiosk's pages answer it.
        kiosk = _screen_kiosk(request)
        if kiosk is not None:
            context.update(_kiosk_context(kiosk))
        return render_to_string("kiosk/not_found.html", context, request)
    context["home_url"] = reverse(area.home)
    if name == "shop":  # shop/base.html shows the desk's menu to its staff
        context["shop"] = shop_queries.staff_shop(getattr(request, "user", None))
    return render_to_string("common/not_found.html", context, request)


def _screen_kiosk(request: HttpRequest) -> Kiosk | None:
    """The kiosk whose enrolled screen this browser is: its start screen is the way back, whatever
    kiosk code the address names."""
    credential = enrolment.screen_credential(request)
    device = devices.screen_for(credential) if credential else None
    return device.kiosk if device is not None else None


def _kiosk_context(kiosk: Kiosk) -> dict[str, object]:
    # What kiosk/base.html reads, as the kiosk's own pages give it (web.kiosk.views._page): the
    # screen also goes back to the start, in the kiosk's language, after an idle minute.
    with translation.override(kiosk.default_language):
        reset_url = reverse("kiosk:start", kwargs={"kiosk": kiosk.code})
    return {
        "base": "kiosk/base.html",
        "kiosk": kiosk,
        "start_url": reverse("kiosk:start", kwargs={"kiosk": kiosk.code}),
        "reset_url": reset_url,
        "idle_seconds": settings.KIOSK_IDLE_SECONDS,
        "sandbox": settings.PAYMENT_SANDBOX,
    }


def _minimal_not_found_page(request: HttpRequest, segments: list[str], area: Area, *, language: str) -> str:
    # Nothing from the session, the user or the database: the 503 page's template, without the request.
    context = {
        "language": language,
        "title": NOT_FOUND_TITLE,
        "message": NOT_FOUND,
        "try_again": area.back,
        "path": _way_back(segments, area),
        "csp_nonce": nonce if (nonce := get_nonce(request)) is not None else "",
    }
    return render_to_string("common/unavailable.html", context)


def _way_back(segments: list[str], area: Area) -> str:
    if area.home:
        return reverse(area.home)
    try:  # a kiosk: the start screen of the kiosk the address names
        return reverse("kiosk:start", kwargs={"kiosk": segments[1] if len(segments) > 1 else ""})
    except NoReverseMatch:
        return reverse(PORTAL.home)
