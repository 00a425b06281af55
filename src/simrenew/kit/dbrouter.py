"""Read-only pages read from the streaming replica when there is one and it is close behind.

Writes, and every read outside `replica_reads()`, go to the primary ("default"). Reports, exports and
settlement history opt in with `@reads_from_replica` (or `with replica_reads():`): they read a lot and
can afford to be a second or so behind. The replica is used only while it answers, is in recovery (a
real standby) and is at most REPLICA_MAX_LAG_SECONDS behind the primary; otherwise those reads fall
back to the primary, so a replica that lags, stops or is being rebuilt makes pages slower, never
wrong or unavailable. Its state is probed at most every REPLICA_CHECK_SECONDS per process.

Only PostgreSQL has replicas here: with DATABASE_REPLICA_URL unset (the embedded default), every read
goes to the primary and nothing here runs.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DatabaseError, connections

REPLICA = "replica"
_wanted: ContextVar[bool] = ContextVar("replica_reads", default=False)
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class ReplicaState:
    usable: bool
    lag_seconds: float | None
    reason: str


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


def reads_from_replica[**P, R](view: Callable[P, R]) -> Callable[P, R]:
    """A read-only view whose queries may go to the replica (see the module's docstring)."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


_lock = threading.Lock()
_cached: tuple[float, ReplicaState] | None = None


def replica_state(*, fresh: bool = False) -> ReplicaState:
    global _cached
    every = float(getattr(settings, "REPLICA_CHECK_SECONDS", 2))
    with _lock:
        if not fresh and _cached is not None and time.monotonic() - _cached[0] < every:
            return _cached[1]
    state = _probe()
    with _lock:
        _cached = (time.monotonic(), state)
    return state


def forget_state() -> None:
    global _cached
    with _lock:
        _cached = None


def _probe() -> ReplicaState:
    max_lag = float(getattr(settings, "REPLICA_MAX_LAG_SECONDS", 5))
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary_lsn = cursor.fetchone()[0]
        with connections[REPLICA].cursor() as cursor:
            # Bytes of WAL the replica has not replayed yet, and how old its last replayed transaction is.
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()),"
                " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())",
                [primary_lsn],
            )
            in_recovery, behind_bytes, replay_age = cursor.fetchone()
    except DatabaseError as exc:
        _drop(REPLICA)
        return ReplicaState(False, None, f"unreachable: {type(exc).__name__}")
    if not in_recovery:
        return ReplicaState(False, None, "not a standby")
    if behind_bytes is None:
        return ReplicaState(False, None, "no WAL replayed yet")
    lag = 0.0 if behind_bytes <= 0 else float(replay_age or 0.0)
    if lag > max_lag:
        return ReplicaState(False, lag, f"lags {lag:.1f} s (more than {max_lag:g} s)")
    return ReplicaState(True, lag, "ok")


def _drop(alias: str) -> None:
    with suppress(DatabaseError):
        connections[alias].close()


class ReplicaRouter:
    """DATABASE_ROUTERS entry: reads in `replica_reads()` go to a usable replica, all else to "default"."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _wanted.get() and replica_configured() and replica_state().usable:
            return REPLICA
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return db == "default"
