"""The JSON API (Django Ninja); OpenAPI at /api/docs. Routers per audience.

Every answer is JSON, refusals included, in the shape {"code", "detail"} (validation errors: 422
with Ninja's {"detail": [...]}); nothing a client sends, however malformed, gets an HTML page. The
one exception: a USSD session's screens are plain text ("CON …" / "END …"), as USSD gateways expect.
"""

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser

from simrenew.api import charging, kiosk, pos, public, sms, ussd
from simrenew.kit import parse
from simrenew.kit.errors import DomainError

log = logging.getLogger(__name__)

UNREADABLE_BODY = _("The request body could not be read: send one JSON object, in UTF-8.")
SERVER_ERROR = _("Something went wrong on our side. Please try again later.")


class StrictJsonParser(Parser):
    """JSON bodies whose every string a database can store: a NUL ("\\u0000", which PostgreSQL
    refuses in text) or a lone surrogate ("\\ud800", which is not UTF-8) is a 400 before any
    operation sees it."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        if parse.has_unstorable_text(data):
            raise parse.UnreadableText()
        return data


api = NinjaAPI(title="simrenew API", version="1", urls_namespace="api", parser=StrictJsonParser())
api.add_router("/public/", public.router)
api.add_router("/pos/", pos.router)
api.add_router("/kiosk/", kiosk.router)
api.add_router("/sms/", sms.router)
api.add_router("/nchf-convergedcharging/v3/", charging.router)
api.add_router("/ussd/", ussd.router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, {"code": exc.code, "detail": str(exc)}, status=exc.status)
    retry_after = getattr(exc, "retry_after", None)  # a rate limit says when to try again
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


# Validation refusals in the caller's language (Accept-Language): pydantic's messages are English.
# The shape stays Ninja's, {"detail": [{"type", "loc", "msg", …}]}; only `msg` is translated.
VALIDATION_MESSAGES: dict[str, Any] = {
    "missing": _("This field is required."),
    "string_too_long": _("Type at most %(max_length)s characters."),
    "string_too_short": _("Type at least %(min_length)s characters."),
    "string_pattern_mismatch": _("This contains characters that are not allowed here."),
    "int_parsing": parse.NotAWholeNumber.default_message,
    "int_type": parse.NotAWholeNumber.default_message,
}


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": [_translated(error) for error in exc.errors]}, status=422)


def _translated(error: dict[str, Any]) -> dict[str, Any]:
    message = VALIDATION_MESSAGES.get(str(error.get("type")))
    if message is None:
        return error
    try:
        return {**error, "msg": str(message) % dict(error.get("ctx") or {})}
    except (KeyError, TypeError, ValueError):
        return error


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja's own refusals (e.g. a body that is not JSON) in the same {"code", "detail"} shape.
    if isinstance(exc.__cause__, DomainError):  # the body parser's reason, e.g. a NUL in a string
        cause = exc.__cause__
        return api.create_response(request, {"code": cause.code, "detail": str(cause)}, status=exc.status_code)
    if exc.status_code == 400:
        return api.create_response(request, {"code": "bad_request", "detail": str(UNREADABLE_BODY)}, status=400)
    return api.create_response(request, {"code": "http_error", "detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Exception)
def unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug is still a JSON answer (500), logged with its traceback. A database that is briefly
    gone is left to the site's handler500, which answers 503 with Retry-After."""
    if _database_gone(exc):
        raise exc
    log.exception("unexpected error in %s %s", request.method, request.path, exc_info=exc)
    return api.create_response(request, {"code": "server_error", "detail": str(SERVER_ERROR)}, status=500)


def _database_gone(exc: BaseException | None) -> bool:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
