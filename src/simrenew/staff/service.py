"""Writes for staff roles: make the role groups match staff.roles, and give logins their roles.

`sync_roles` works with the project's models or a migration's historical ones (`apps`), so the
staff app's data migration, the post-migrate hook and `simrenew sync_roles` share it. Callers own
the transaction.
"""

from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

from simrenew.staff.permissions import CUSTOM_PERMISSIONS
from simrenew.staff.roles import BY_GROUP, ROLES, Role


class UnknownPermission(LookupError):
    """staff.roles names a permission that no model or custom permission defines (a typo)."""


def _ensure_model_permissions(apps: Apps, using: str) -> None:
    # Django creates content types and model permissions after the last migration; a data
    # migration that needs them creates them first (idempotent: existing rows are kept).
    for app_config in apps.get_app_configs():
        historical = getattr(app_config, "models_module", None) is None  # a migration's apps carry none
        if historical:
            app_config.models_module = True  # type: ignore[assignment]
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            if historical:
                app_config.models_module = None


def _ensure_custom_permissions(apps: Apps, using: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    for custom in CUSTOM_PERMISSIONS:
        try:
            apps.get_model(custom.app_label, custom.model)
        except LookupError:  # not (yet) in this migration state
            continue
        owner, _created = content_type.objects.using(using).get_or_create(
            app_label=custom.app_label, model=custom.model
        )
        permission.objects.using(using).update_or_create(
            content_type=owner, codename=custom.codename, defaults={"name": custom.description}
        )


def _permissions_by_name(apps: Apps, using: str) -> dict[str, Any]:
    permission = apps.get_model("auth", "Permission")
    rows = permission.objects.using(using).select_related("content_type")
    return {f"{row.content_type.app_label}.{row.codename}": row for row in rows}


def _wanted(role: Role, existing: dict[str, Any], *, strict: bool) -> set[str]:
    if role.all_permissions:
        return set(existing)
    missing = role.permissions - set(existing)
    if missing and strict:
        raise UnknownPermission(f"role {role.code!r} names unknown permissions: {', '.join(sorted(missing))}")
    return set(role.permissions) - missing


def sync_roles(*, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS, strict: bool = True) -> list[str]:
    """Create the permissions the roles name and make each role's group hold exactly them.

    Idempotent; returns what changed ("Finance: +2 -1 permissions"), empty when all was in step.
    Groups that are not roles are left alone. `strict=False` (the data migration) skips permissions
    of models that a later migration creates; the post-migrate hook then adds them.
    """
    _ensure_model_permissions(apps, using)
    _ensure_custom_permissions(apps, using)
    existing = _permissions_by_name(apps, using)
    group_model = apps.get_model("auth", "Group")
    changes = []
    for role in ROLES:
        wanted = _wanted(role, existing, strict=strict)
        group, created = group_model.objects.using(using).get_or_create(name=role.group)
        held = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list("content_type__app_label", "codename")
        }
        if created:
            changes.append(f"{role.group}: created")
        if held != wanted:
            group.permissions.set([existing[name] for name in wanted])
            changes.append(f"{role.group}: +{len(wanted - held)} -{len(held - wanted)} permissions")
    return changes


def set_roles(*, user: Any, roles: Iterable[Role]) -> None:
    """Make `roles` the user's roles (other groups stay); `is_staff` follows the roles (a superuser
    keeps it). The role groups must exist (sync_roles)."""
    roles = list(roles)
    group_model = global_apps.get_model("auth", "Group")
    wanted = list(group_model.objects.filter(name__in=[each.group for each in roles]))
    if len(wanted) < len({each.group for each in roles}):  # a database the roles never reached
        sync_roles()
        wanted = list(group_model.objects.filter(name__in=[each.group for each in roles]))
    user.groups.remove(*group_model.objects.filter(name__in=BY_GROUP).exclude(pk__in=[g.pk for g in wanted]))
    user.groups.add(*wanted)
    is_staff = user.is_superuser or any(each.is_staff for each in roles)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    # A user object caches its permissions; the next has_perm must see the new roles.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_staff_roles"):
        user.__dict__.pop(cache, None)


def grant_role(*, user: Any, role: Role) -> None:
    """Add one role to the user's roles."""
    from simrenew.staff.queries import roles_of

    set_roles(user=user, roles={*roles_of(user), role})
