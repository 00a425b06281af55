"""kit.rows: one row read by a unique column, inserted, or some of its fields written, with a statement
built once per model. What
it reads and writes must be what the ORM reads and writes, on PostgreSQL and on SQLite."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from simrenew.audit.models import AuditEntry
from simrenew.charging import clients
from simrenew.charging.models import ClientNonce
from simrenew.customers.models import User
from simrenew.kit import clock, rows
from simrenew.ledger.models import Account
from simrenew.lines.models import Line, LineStatus
from simrenew.reference.models import Generation
from tests.factories import create_brand, create_customer, create_line

pytestmark = pytest.mark.django_db


def _fields(obj: object) -> dict[str, object]:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}  # type: ignore[attr-defined]


def test_an_inserted_row_reads_back_as_the_orm_would_have_written_it() -> None:
    user = create_customer()
    at = clock.now().replace(microsecond=123456)
    entry = rows.insert(
        AuditEntry(
            user=user,
            terminal="T-1",
            actor="someone",
            action="test.action",
            target="line:1",
            ip_address="2001:db8::1",
            details={"amount": 1000, "note": "é €", "nested": [1, None, True]},
            created_at=at,
        )
    )
    assert entry.pk is not None and not entry._state.adding
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.user_id == user.pk
    assert stored.ip_address == "2001:db8::1"
    assert stored.details == {"amount": 1000, "note": "é €", "nested": [1, None, True]}
    assert stored.created_at == at
    assert (stored.terminal, stored.actor, stored.action, stored.target) == ("T-1", "someone", "test.action", "line:1")


def test_defaults_and_nulls_are_written_as_the_model_gives_them() -> None:
    entry = rows.insert(AuditEntry(action="test.bare", created_at=clock.now()))
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.user_id is None and stored.ip_address is None
    assert stored.details == {} and stored.terminal == ""


def test_each_insert_is_one_statement() -> None:
    rows.insert(AuditEntry(action="test.warm", created_at=clock.now()))
    with CaptureQueriesContext(connection) as captured:
        rows.insert(AuditEntry(action="test.one", created_at=clock.now()))
    assert len(captured.captured_queries) == 1
    assert captured.captured_queries[0]["sql"].startswith("INSERT")


def test_an_unsaved_related_row_is_refused_as_save_refuses_it() -> None:
    with pytest.raises(ValueError, match="unsaved related object"):
        rows.insert(AuditEntry(user=User(email="nobody@example.be"), action="test.orphan", created_at=clock.now()))
    assert not AuditEntry.objects.filter(action="test.orphan").exists()


def test_a_row_with_its_primary_key_is_refused() -> None:
    entry = rows.insert(AuditEntry(action="test.first", created_at=clock.now()))
    with pytest.raises(ValueError, match="primary key"):
        rows.insert(entry)


def test_a_model_someone_listens_to_is_left_to_the_orm() -> None:
    def heard(**kwargs: object) -> None:
        pass

    post_save.connect(heard, sender=AuditEntry, dispatch_uid="test_rows.heard")
    try:
        with pytest.raises(TypeError, match="signal"):
            rows.insert(AuditEntry(action="test.heard", created_at=clock.now()))
    finally:
        post_save.disconnect(sender=AuditEntry, dispatch_uid="test_rows.heard")
    assert not AuditEntry.objects.filter(action="test.heard").exists()


def test_get_by_reads_what_the_orm_reads() -> None:
    line = create_line(status=LineStatus.GRACE, credit_expires_at=clock.now() + timedelta(days=3))
    Line.objects.filter(pk=line.pk).update(auto_renew=True)
    found = rows.get_by(Line, "msisdn", line.msisdn)
    assert found is not None and not found._state.adding
    assert _fields(found) == _fields(Line.objects.get(pk=line.pk))
    assert found.auto_renew is True  # SQLite's 1 converted, as the ORM converts it


def test_get_by_answers_none_for_no_row_and_refuses_a_column_that_is_not_unique() -> None:
    assert rows.get_by(Line, "msisdn", "+32479999999") is None
    with pytest.raises(ValueError, match="not unique"):
        rows.get_by(Line, "status", LineStatus.ACTIVE)


def test_get_by_reads_the_primary_key_too() -> None:
    Generation.objects.update_or_create(pk=1, defaults={"value": 41})
    found = rows.get_by(Generation, "id", 1)
    assert found is not None and found.value == 41


@pytest.mark.django_db(transaction=True)
def test_get_by_with_lock_locks_the_row_on_postgresql() -> None:
    line = create_line()
    account = Account.objects.get(code=line.credit_account_code)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        found = rows.get_by(Account, "code", account.code, lock=True)
    assert found is not None and found.pk == account.pk
    sql = captured.captured_queries[-1]["sql"]
    assert sql.endswith("FOR UPDATE") == connection.features.has_select_for_update


def test_update_writes_the_fields_named_and_only_those() -> None:
    line = create_line(status=LineStatus.GRACE, credit_expires_at=clock.now() + timedelta(days=3))
    Line.objects.filter(pk=line.pk).update(auto_renew=True)  # changed behind the instance's back
    later = clock.now().replace(microsecond=654321) + timedelta(days=30)
    line.credit_expires_at, line.status = later, LineStatus.ACTIVE
    with CaptureQueriesContext(connection) as captured:
        rows.update(line, ("credit_expires_at", "status"))
    assert len(captured.captured_queries) == 1 and captured.captured_queries[0]["sql"].startswith("UPDATE")
    stored = Line.objects.get(pk=line.pk)
    assert (stored.credit_expires_at, stored.status) == (later, LineStatus.ACTIVE)
    assert stored.auto_renew is True  # not named, so not written back


def test_update_of_a_row_that_is_gone_raises_as_save_does() -> None:
    line = create_line()
    gone = Line(pk=line.pk + 1000, msisdn="+32470000002")
    with pytest.raises(DatabaseError, match="changed 0 rows"):
        rows.update(gone, ("msisdn",))


def test_update_refuses_what_is_not_a_column_of_the_table() -> None:
    line = create_line()
    with pytest.raises(ValueError, match="own columns"):
        rows.update(line, ("id",))
    with pytest.raises(ValueError, match="primary key"):
        rows.update(Line(msisdn="+32470000003"), ("msisdn",))


def test_update_all_writes_each_rows_own_values_in_one_statement() -> None:
    first = create_line(status=LineStatus.GRACE, credit_expires_at=clock.now() + timedelta(days=3))
    second = create_line(status=LineStatus.ACTIVE)
    third = create_line(status=LineStatus.ACTIVE, credit_expires_at=clock.now())
    Line.objects.filter(pk=second.pk).update(auto_renew=True)  # changed behind the instances' backs
    later = clock.now().replace(microsecond=654321) + timedelta(days=30)
    first.credit_expires_at, first.status = later, LineStatus.ACTIVE
    second.credit_expires_at, second.status = later + timedelta(seconds=1), LineStatus.SUSPENDED
    third.credit_expires_at = None  # a NULL among the values
    with CaptureQueriesContext(connection) as captured:
        rows.update_all([first, second, third], ("credit_expires_at", "status"))
    assert len(captured.captured_queries) == 1 and captured.captured_queries[0]["sql"].startswith("UPDATE")
    stored = {line.pk: line for line in Line.objects.filter(pk__in=[first.pk, second.pk, third.pk])}
    assert (stored[first.pk].credit_expires_at, stored[first.pk].status) == (later, LineStatus.ACTIVE)
    assert (stored[second.pk].credit_expires_at, stored[second.pk].status) == (
        later + timedelta(seconds=1),
        LineStatus.SUSPENDED,
    )
    assert (stored[third.pk].credit_expires_at, stored[third.pk].status) == (None, LineStatus.ACTIVE)
    assert stored[second.pk].auto_renew is True  # not named, so not written back


def test_update_all_writes_a_foreign_key_and_refuses_a_row_that_is_gone() -> None:
    other = create_brand(code="other", name="Other")
    found = [create_line(), create_line()]
    for line in found:
        line.brand = other
    rows.update_all(found, ("brand",))
    assert set(Line.objects.filter(pk__in=[line.pk for line in found]).values_list("brand_id", flat=True)) == {other.pk}
    gone = Line(pk=found[-1].pk + 1000, msisdn="+32470000004")
    with pytest.raises(DatabaseError, match="changed 1 of 2 rows"), transaction.atomic():
        rows.update_all([found[0], gone], ("msisdn",))


def test_insert_new_inserts_once_per_key_in_one_statement_and_reads_back_as_the_orm_wrote_it() -> None:
    client, _ = clients.register_client(name="SMF")
    at = clock.now().replace(microsecond=654321)
    values = {"client": client.pk, "nonce": "n" * 20, "created_at": at}
    with CaptureQueriesContext(connection) as captured:
        first = rows.insert_new(ClientNonce, values, unique=("client", "nonce"))
        again = rows.insert_new(ClientNonce, dict(values, created_at=clock.now()), unique=("client", "nonce"))
    assert first is not None and again is None
    assert [query["sql"].split()[0] for query in captured.captured_queries] == ["INSERT", "INSERT"]  # no savepoint
    stored = ClientNonce.objects.get()
    assert (stored.pk, stored.client_id, stored.nonce, stored.created_at) == (first, client.pk, "n" * 20, at)
    other = rows.insert_new(ClientNonce, dict(values, nonce="m" * 20), unique=("client", "nonce"))
    assert other is not None and other != first and ClientNonce.objects.count() == 2
