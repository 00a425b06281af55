"""The audit log is append-only and read-only in the back office."""

import pytest

from simrenew.audit import service
from simrenew.audit.models import AppendOnly, AuditEntry
from tests.factories import create_customer

pytestmark = pytest.mark.django_db


def test_record_and_never_change():
    user = create_customer()
    entry = service.record(action="shop.identify", target="line:7", user=user, ip_address="192.0.2.4", details={"a": 1})
    assert (entry.actor, entry.target, entry.ip_address) == (user.email, "line:7", "192.0.2.4")
    entry.action = "edited"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="edited")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "shop.identify"


def test_a_terminal_is_an_actor():
    entry = service.record(action="terminal.auth_refused", terminal="T-ABC")
    assert entry.actor == "terminal T-ABC" and entry.user is None


def test_the_admin_only_reads(admin_client):
    service.record(action="x", target="line:1")
    assert admin_client.get("/en/admin/audit/auditentry/").status_code == 200
    assert admin_client.get("/en/admin/audit/auditentry/add/").status_code == 403
