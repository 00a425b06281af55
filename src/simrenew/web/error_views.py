"""The answer to a request that failed unexpectedly: the URLconf's handler500.

A request that failed because the database could not be reached for a moment (a restart, a failover,
a dropped connection) gets 503 with Retry-After instead of 500, so that a person, a terminal or a
proxy knows to try again shortly. That answer needs nothing from the database: no session, no user,
no context processors; its language comes from the URL, the language cookie or Accept-Language.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults

RETRY_AFTER_SECONDS = 5
# How Django reports a database that refused, dropped or closed the connection (or is restarting).
DATABASE_GONE = (OperationalError, InterfaceError)
TITLE = _("Briefly unavailable")
UNAVAILABLE = _("The service is briefly unavailable, please try again in a few seconds.")
TRY_AGAIN = _("Try again")


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
