"""The back office's start page: what this login may open, by its permissions, and its roles."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from simrenew.staff import two_factor
from simrenew.staff.access import STAFF_MEMBER
from simrenew.staff.queries import roles_of, second_factor_required
from simrenew.web.staff.access import staff_view


@staff_view(STAFF_MEMBER)
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "roles": roles_of(user),
        "second_factor": second_factor_required(user),
        "recovery_codes_left": two_factor.recovery_codes_left(user),
    }
    return render(request, "backoffice/home.html", context)
