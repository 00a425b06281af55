"""The language switcher's view: Django's set_language, with the page to return to translated from
its own language whatever language the switcher's request arrived in.

Django's set_language translates `next` by resolving it under the language active for /i18n/setlang/
(from the cookie or the browser's Accept-Language). i18n_patterns resolve only the active language's
prefix, so a Dutch page (/nl/topup/) opened by an English browser could not be resolved, and choosing
another language led back to the Dutch page. Resolving under the language of the page's own prefix
makes every page switchable, whoever opened it.
"""

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.i18n import set_language as django_set_language


def set_language(request: HttpRequest) -> HttpResponse:
    page = request.POST.get("next", request.GET.get("next")) or request.META.get("HTTP_REFERER") or ""
    language = translation.get_language_from_path(urlsplit(page).path) or translation.get_language()
    with translation.override(language):
        return django_set_language(request)
