"""Records that change only through their domain's service are read-only in the back office."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from simrenew.kit.admin import ReadOnlyAdmin
from tests.factories import create_customer

READ_ONLY = [
    "ledger.Account",
    "ledger.Journal",
    "vouchers.Voucher",
    "audit.AuditEntry",
    "identity.Identification",
    "retail.Sale",
    "shops.ShopSale",
    "kiosks.KioskSale",
    "kiosks.CashSession",
]


@pytest.mark.django_db
@pytest.mark.parametrize("label", READ_ONLY)
def test_even_a_superuser_can_only_read(label: str) -> None:
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label == label)
    request = RequestFactory().get("/")
    request.user = create_customer(email=f"root-{label.lower()}@example.be")
    request.user.is_superuser = request.user.is_staff = True
    assert isinstance(model_admin, ReadOnlyAdmin)
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
