"""Refuses, in one place, requests carrying text no database can store: a NUL character (PostgreSQL
refuses it in text) in the path, the query string, a cookie, a header or a submitted form.

Without it, any view that looks up a token from the URL (`/kiosk/k1/cash/%00/`), a form field it
reads by hand, or the session cookie would fail with a 500 on PostgreSQL while SQLite answers 404.
The answer is a 400 in the visitor's language: JSON under /api/ (the API's {"code", "detail"}
shape), a small page elsewhere. JSON bodies are checked by the API's own parser (api.urls), which
sees the decoded strings ("\\u0000").
"""

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from simrenew.kit import parse

TITLE = _("This request cannot be read")
BACK = _("Back to the start")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class UnreadableInputMiddleware:
    """After LocaleMiddleware (the refusal is in the visitor's language) and before anything reads
    the session or a form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _unreadable(request):
            return _refusal(request)
        return self.get_response(request)


def _unreadable(request: HttpRequest) -> bool:
    texts: list[str] = [request.path_info]
    texts += _pairs(request.GET.lists())
    texts += _pairs((name, [value]) for name, value in request.COOKIES.items())
    texts += [value for name, value in request.META.items() if name.startswith("HTTP_") and isinstance(value, str)]
    # The JSON APIs need the raw body (signatures, idempotency): a form posted there is not parsed here.
    if request.method == "POST" and request.content_type in FORM_TYPES and not _is_json_api(request):
        texts += _pairs(request.POST.lists())
    return not all(parse.is_storable_text(text) for text in texts)


def _pairs(items: Iterable[tuple[str, list[str]]]) -> list[str]:
    return [text for name, values in items for text in (name, *values)]


def _is_json_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(("/api/", "/sandbox/mollie/v2/"))


def _refusal(request: HttpRequest) -> HttpResponse:
    message = parse.UnreadableText().message
    if _is_json_api(request):
        return JsonResponse({"code": parse.UnreadableText.code, "detail": str(message)}, status=400)
    context = {
        "language": get_language() or "en",
        "title": TITLE,
        "message": message,
        "try_again": BACK,
        "path": "/",
        "csp_nonce": nonce if (nonce := get_nonce(request)) is not None else "",
    }
    # No RequestContext: its context processors would read the session, from a cookie that may be the problem.
    return HttpResponse(render_to_string("common/unavailable.html", context), status=400)
