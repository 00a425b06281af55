"""The back office's start page: what this login may open, by its permissions, and its roles.

Only logins with something to open here get the page (staff.access.BACK_OFFICE); a shop assistant
or manager, or a cashier, whose desk is all their role holds, is sent to that desk instead.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from simrenew.staff import two_factor
from simrenew.staff.access import BACK_OFFICE, allows
from simrenew.staff.permissions import SELL_AT_TILL, USE_SHOP_DESK
from simrenew.staff.queries import roles_of, second_factor_required
from simrenew.web.staff.access import staff_view


def own_desk(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Send a login whose role has only a counter's desk to that desk; anyone else on to `view`
    (which lets in, asks to log in, or refuses)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and not allows(user, BACK_OFFICE):
            if user.has_perm(USE_SHOP_DESK):
                return redirect("shop:desk")
            if user.has_perm(SELL_AT_TILL):
                return redirect("pos:home")
        return view(request, *args, **kwargs)

    return wrapped


@own_desk
@staff_view(BACK_OFFICE)
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "roles": roles_of(user),
        "second_factor": second_factor_required(user),
        "recovery_codes_left": two_factor.recovery_codes_left(user),
    }
    return render(request, "backoffice/home.html", context)
