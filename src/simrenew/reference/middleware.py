"""Each request begins a unit of the reference cache: it sees changes made before it started."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from simrenew.reference import cache


class ReferenceDataMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cache.begin_unit()
        return self.get_response(request)
