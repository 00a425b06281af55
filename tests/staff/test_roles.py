"""Staff roles in the database: the groups match staff.roles after migrate and after every
`sync_roles`, which is idempotent and puts back what was changed by hand; who needs a second factor."""

import importlib
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from simrenew.staff import permissions as p
from simrenew.staff import service
from simrenew.staff.queries import roles_of, second_factor_required
from simrenew.staff.roles import (
    ADMINISTRATOR,
    FINANCE,
    MARKETING,
    RETAIL_CASHIER,
    ROLES,
    SHOP_ASSISTANT,
    SHOP_MANAGER,
    Role,
    role,
)
from tests.factories import create_customer
from tests.staff.factories import create_staff_user

pytestmark = pytest.mark.django_db


def held(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{app}.{code}" for app, code in group.permissions.values_list("content_type__app_label", "codename")}


def test_after_migrate_every_role_group_holds_exactly_its_permissions():
    for each in ROLES:
        expected = {
            f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")
        }
        assert held(each.group) == (expected if each.all_permissions else set(each.permissions)), each.code


def test_custom_permissions_hang_on_their_domains_model():
    promotion = Permission.objects.get(codename="manage_promotion")
    assert (promotion.content_type.app_label, promotion.content_type.model) == ("promotions", "promotion")
    till = Permission.objects.get(codename="sell_at_till")
    assert (till.content_type.app_label, till.content_type.model) == ("retail", "cashier")


def test_sync_roles_puts_back_what_was_changed_by_hand_and_is_idempotent():
    # Given someone gave the assistants the promotions and took the desk from the managers.
    Group.objects.get(name=SHOP_ASSISTANT.group).permissions.add(Permission.objects.get(codename="view_promotion"))
    Group.objects.get(name=SHOP_MANAGER.group).permissions.remove(Permission.objects.get(codename="use_shop_desk"))
    Group.objects.filter(name=FINANCE.group).delete()
    out = StringIO()

    call_command("sync_roles", stdout=out)

    assert "Shop assistant: +0 -1 permissions" in out.getvalue()
    assert "Shop manager: +1 -0 permissions" in out.getvalue()
    assert "Finance: created" in out.getvalue()
    assert held(SHOP_ASSISTANT.group) == set(SHOP_ASSISTANT.permissions)
    assert held(SHOP_MANAGER.group) == set(SHOP_MANAGER.permissions)
    assert held(FINANCE.group) == set(FINANCE.permissions)
    again = StringIO()
    call_command("sync_roles", stdout=again)
    assert again.getvalue() == f"{len(ROLES)} roles in step (nothing to change)\n"


def test_groups_that_are_not_roles_are_left_alone():
    auditors = Group.objects.create(name="Auditors")
    auditors.permissions.add(Permission.objects.get(codename="view_auditentry"))
    service.sync_roles()
    assert held("Auditors") == {p.VIEW_AUDIT_LOG}


def test_a_role_naming_an_unknown_permission_fails_loudly(monkeypatch):
    typo = Role(
        code="typo",
        group="Typo",
        label="Typo",
        permissions=frozenset({"promotions.manage_promotoin"}),
        second_factor=True,
    )
    monkeypatch.setattr(service, "ROLES", (*ROLES, typo))
    with pytest.raises(service.UnknownPermission, match="manage_promotoin"):
        service.sync_roles()
    assert service.sync_roles(strict=False) == ["Typo: created"]


def test_set_roles_replaces_roles_and_follows_is_staff():
    user = create_staff_user(MARKETING, FINANCE)
    assert {each.code for each in roles_of(user)} == {"marketing", "finance"} and user.is_staff
    assert user.has_perm(p.MANAGE_PROMOTION)
    service.set_roles(user=user, roles=[RETAIL_CASHIER])
    assert roles_of(user) == [RETAIL_CASHIER] and not user.is_staff
    assert not user.has_perm(p.MANAGE_PROMOTION) and user.has_perm(p.SELL_AT_TILL)


@pytest.mark.parametrize(
    ("roles", "needs"),
    [
        ((SHOP_ASSISTANT,), False),
        ((RETAIL_CASHIER,), False),
        ((SHOP_ASSISTANT, RETAIL_CASHIER), False),
        ((SHOP_MANAGER,), True),
        ((SHOP_ASSISTANT, MARKETING), True),
        ((ADMINISTRATOR,), True),
        ((role("customer-service"),), True),
        ((FINANCE,), True),
    ],
)
def test_who_must_use_a_second_factor(roles, needs):
    assert second_factor_required(create_staff_user(*roles)) is needs


def test_customers_never_and_superusers_or_staff_without_a_role_always_need_a_second_factor():
    assert second_factor_required(create_customer()) is False
    staff = create_customer(email="ops@simrenew.example")
    staff.is_staff = True
    staff.save()
    assert second_factor_required(staff) is True
    root = create_customer(email="root@simrenew.example")
    root.is_superuser = True
    root.save()
    assert second_factor_required(root) is True


def test_a_counter_login_with_an_extra_permission_needs_a_second_factor():
    cashier = create_staff_user(RETAIL_CASHIER)
    cashier.user_permissions.add(Permission.objects.get(codename="view_promotion"))
    assert second_factor_required(type(cashier).objects.get(pk=cashier.pk)) is True


def test_the_data_migration_creates_the_roles_with_the_historical_models():
    # Given a database without the role groups (as before the staff app's migration ran).
    Group.objects.filter(name__in=[each.group for each in ROLES]).delete()
    migration = importlib.import_module("simrenew.staff.migrations.0001_staff_roles")
    state = MigrationLoader(connection).project_state(("staff", "0001_staff_roles"), at_end=False)

    migration.create_roles(state.apps, SimpleNamespace(connection=connection))  # all it reads of the editor

    assert held(MARKETING.group) == set(MARKETING.permissions)
    assert held(RETAIL_CASHIER.group) == {p.SELL_AT_TILL}
