"""Reads about staff: a login's roles, and whether it must prove a second factor."""

from typing import Any

from simrenew.staff.roles import Role, counter_permissions, roles_named


def roles_of(user: Any) -> list[Role]:
    """The staff roles of a login (none for customers and anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = user.__dict__.get("_staff_roles")
    if cached is None:
        cached = roles_named(user.groups.values_list("name", flat=True))
        user.__dict__["_staff_roles"] = cached
    return list(cached)


def second_factor_required(user: Any) -> bool:
    """Whether this login must verify a one-time code before staff pages and the admin open.

    Everyone with staff access does, except logins whose every permission comes from a shared-counter
    role (shop assistant, retail cashier): a superuser, a role marked `second_factor`, a staff login
    with no role (its access is whatever someone gave it), or a counter login given anything beyond
    its counter role (an extra group or a permission of its own) all need it. Customers do not.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles = roles_of(user)
    if any(role.second_factor for role in roles):
        return True
    if not roles:
        return bool(user.is_staff or user.get_all_permissions())
    return bool(user.get_all_permissions() - counter_permissions(roles))
