"""Request-wide middleware: the request id every log line carries, and expected DomainErrors that
escaped a view turned into a 4xx page in the user's language (in the back office's look on its pages)."""

from collections.abc import Callable

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from simrenew.kit import requestid
from simrenew.kit.errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return render(request, error_template(request), {"error": exception}, status=exception.status)
        return None


def error_template(request: HttpRequest) -> str:
    """The back office's error page on its pages for staff (its own menu, not the customer's), else the
    portal's (a customer who strayed there goes back to the portal)."""
    match = request.resolver_match
    staff = getattr(getattr(request, "user", None), "is_staff", False)
    if staff and match is not None and "backoffice" in match.namespaces:
        return "backoffice/error.html"
    return "portal/error.html"


class RequestIdMiddleware:
    """Gives each request an id: the proxy's X-Request-ID when it sends a plausible one, else a new one.

    The id is in every log line written while the request is handled, in the response's X-Request-ID
    (which gunicorn's access line logs), and on `request.request_id`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        # Unbound only once the response is closed: Django logs a 4xx/5xx outside every middleware.
        request_finished.connect(requestid.unbind, dispatch_uid="simrenew.request_id")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = requestid.accept_or_make(request.headers.get(requestid.HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        requestid.bind(request_id)
        response = self.get_response(request)
        response[requestid.HEADER] = request_id
        return response
