import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from simrenew.web.ops import metrics


class RequestMetricsMiddleware:
    """Times every request for simrenew_http_request_duration_seconds (by route pattern)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        metrics.observe_request(request, response, time.perf_counter() - started)
        return response
