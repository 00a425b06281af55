"""Staff areas open only after the second factor, for the logins that need one.

Password login works as before (the admin's, the shop desk's, the POS's); then any page of a staff
area (STAFF_AREAS: the admin, the back office, the shop desk, the POS) sends a login that must use a
second factor (staff.queries.second_factor_required) to verify a code, or to enrol an authenticator
app first. It runs before the view, so no staff page has to remember it.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from simrenew.staff import two_factor
from simrenew.staff.queries import second_factor_required
from simrenew.web.staff.access import OPEN_URL_NAMES, STAFF_AREAS, verified


def in_staff_area(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and bool(STAFF_AREAS & set(match.namespaces)) and match.url_name not in OPEN_URL_NAMES


def second_factor_url(user: Any, next_url: str) -> str:
    step = "staff:verify" if two_factor.has_authenticator(user) else "staff:enrol"
    return f"{reverse(step)}?{urlencode({'next': next_url})}"


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not in_staff_area(request):
            return None
        user = request.user
        if not user.is_authenticated or verified(user) or not second_factor_required(user):
            return None
        return HttpResponseRedirect(second_factor_url(user, request.get_full_path()))
