"""Read-only pages read from the replica only while it is usable; everything else from the primary."""

import pytest

from simrenew.kit import dbrouter
from simrenew.kit.dbrouter import ReplicaRouter, ReplicaState, reads_from_replica, replica_reads


@pytest.fixture
def with_replica(settings, monkeypatch):
    settings.DATABASES = {**settings.DATABASES, "replica": {**settings.DATABASES["default"]}}
    state = {"now": ReplicaState(True, 0.0, "ok")}
    monkeypatch.setattr(dbrouter, "replica_state", lambda fresh=False: state["now"])
    return state


def test_without_a_replica_everything_reads_from_the_primary():
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(object) is None
    assert router.db_for_write(object) == "default"


def test_only_opted_in_reads_go_to_a_usable_replica(with_replica):
    router = ReplicaRouter()
    assert router.db_for_read(object) is None
    with replica_reads():
        assert router.db_for_read(object) == "replica"
        assert router.db_for_write(object) == "default"  # writes never
    assert router.db_for_read(object) is None


def test_a_lagging_or_unreachable_replica_falls_back_to_the_primary(with_replica):
    router = ReplicaRouter()
    for state in (ReplicaState(False, 12.0, "lags 12.0 s"), ReplicaState(False, None, "unreachable: OperationalError")):
        with_replica["now"] = state
        with replica_reads():
            assert router.db_for_read(object) is None


def test_the_decorator_scopes_replica_reads_to_the_view(with_replica):
    router = ReplicaRouter()

    @reads_from_replica
    def report() -> str | None:
        return router.db_for_read(object)

    assert report() == "replica"
    assert router.db_for_read(object) is None


def test_migrations_run_on_the_primary_only():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "orders") is True
    assert router.allow_migrate("replica", "orders") is False
