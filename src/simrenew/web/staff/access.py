"""Staff pages: the areas that need a staff login, and the decorator back-office views declare.

Every view of a staff area declares the permission it needs (simrenew.staff.access): the back
office with `staff_view`, the shop desk with `staff_required`, the POS with `cashier_required`;
tests walk the URLconf and fail on a view that declares none.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.urls import reverse

from simrenew.staff.access import requires_permission

View = TypeVar("View", bound=Callable[..., Any])

# URL namespaces whose pages are for staff: a second factor is asked there (SecondFactorMiddleware).
STAFF_AREAS = frozenset({"admin", "backoffice", "shop", "pos"})
# The way in and out of each area stays open to a login that has not verified its second factor.
OPEN_URL_NAMES = frozenset({"login", "logout"})


def verified(user: Any) -> bool:
    """Whether this session passed the second factor (django-otp's OTPMiddleware adds is_verified)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def staff_view(permission: str, *, login_url: str = "admin:login") -> Callable[[View], View]:
    """A back-office view: anonymous visitors go to the staff login; logins without `permission`
    get 403. Stack it outermost (before require_POST) so a refusal never depends on the method."""

    def decorator(view: View) -> View:
        checked = requires_permission(permission)(view)

        @wraps(checked)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse(login_url))
            return checked(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
