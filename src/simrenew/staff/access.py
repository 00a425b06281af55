"""Permission checks that a view declares, so that what a page asks for can be read off the view.

`requires_permission(name)` refuses (403, MissingPermission) anyone without the permission and
records the name on the view (`required_permission`), which survives further decorators that use
functools.wraps. Tests walk the URLconf and read it: a staff view without one fails them.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest

from simrenew.staff.errors import MissingPermission
from simrenew.staff.permissions import DESK_PERMISSIONS

View = TypeVar("View", bound=Callable[..., Any])

PERMISSION_ATTRIBUTE = "required_permission"
# Not a permission: any login with staff access (Django's is_staff), e.g. the back office's start page.
STAFF_MEMBER = "is_staff"
# Not a permission either: a staff login with something to open in the back office, i.e. a permission
# beyond its counter's desk (shop assistants and managers, whose desk is all they have, are not).
BACK_OFFICE = "back_office"


def declare[View: Callable[..., Any]](view: View, permission: str) -> View:
    """Record on a view the permission it checks (for views that check it in their own way)."""
    setattr(view, PERMISSION_ATTRIBUTE, permission)
    return view


def declared_permission(view: Callable[..., Any]) -> str | None:
    """The permission a view declared, or None. Looks through class-based views' as_view()."""
    found = getattr(view, PERMISSION_ATTRIBUTE, None)
    if found is None and hasattr(view, "view_class"):
        found = getattr(view.view_class, PERMISSION_ATTRIBUTE, None)
    return found


def allows(user: Any, permission: str) -> bool:
    if permission == STAFF_MEMBER:
        return bool(user.is_active and user.is_staff)
    if permission == BACK_OFFICE:
        if not (user.is_active and user.is_staff):
            return False
        return bool(user.is_superuser or set(user.get_all_permissions()) - DESK_PERMISSIONS)
    return bool(user.has_perm(permission))


def requires_permission(permission: str) -> Callable[[View], View]:
    """Let through only users who hold `permission`; anyone else gets MissingPermission (403).
    Put a login redirect outside it (anonymous visitors hold no permission either)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not allows(request.user, permission):
                raise MissingPermission()
            return view(request, *args, **kwargs)

        return declare(checked, permission)  # type: ignore[return-value]

    return decorator
