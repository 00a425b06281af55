"""Reference data cached per process, invalidated across processes by a generation number.

    fees = cache.cached(f"brand-fees:{brand_id}", lambda: load_fees(brand_id))

A request (middleware) or a job (the task_started signal) begins a *unit*: the first cached read
in a unit compares the shared generation with the one this process loaded at (one indexed read),
and drops everything when it moved. Outside a unit (shell, management commands) every cached read
checks. Changes to watched models (`watch(Model)`, from an AppConfig.ready) bump the generation
when their transaction commits, and drop this process's copy at once.

Keep only rows that change in the back office, never balances or counters (a promotion's spent
budget is read fresh).
"""

import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.db.models import F, Model
from django.db.models.signals import post_delete, post_save

_lock = threading.Lock()
_values: dict[str, Any] = {}
_loaded_at: list[int | None] = [None]  # the generation `_values` belong to
# True once the current unit (request, job) has compared generations.
_checked: ContextVar[bool] = ContextVar("reference_checked", default=False)
_in_unit: ContextVar[bool] = ContextVar("reference_in_unit", default=False)


def begin_unit() -> None:
    _in_unit.set(True)
    _checked.set(False)


def begin_unit_for_job(**kwargs: object) -> None:
    begin_unit()


def _current_generation() -> int:
    from simrenew.kit import rows
    from simrenew.reference.models import Generation

    # Every request reads it: a statement built once (kit.rows), not a queryset compiled each time.
    found = rows.get_by(Generation, "id", 1)
    return int(found.value) if found is not None else 0


def _check() -> None:
    if _in_unit.get() and _checked.get():
        return
    generation = _current_generation()
    with _lock:
        if _loaded_at[0] != generation:
            _values.clear()
            _loaded_at[0] = generation
    _checked.set(True)


def cached[T](key: str, load: Callable[[], T]) -> T:
    """The value kept under `key`, loaded with `load()` when missing or out of date."""
    _check()
    try:
        value: T = _values[key]
        return value
    except KeyError:
        pass
    value = load()
    with _lock:
        _values.setdefault(key, value)
    return value


def clear(**kwargs: object) -> None:
    """Drop this process's copy (tests, a flushed database)."""
    with _lock:
        _values.clear()
        _loaded_at[0] = None
    _checked.set(False)


def bump() -> None:
    """Move the shared generation on (after the change commits) and drop the local copy."""
    from simrenew.reference.models import Generation

    def move_on() -> None:
        if not Generation.objects.filter(pk=1).update(value=F("value") + 1):
            Generation.objects.get_or_create(pk=1, defaults={"value": 1})
        clear()

    clear()
    transaction.on_commit(move_on)


def _changed(sender: type[Model], **kwargs: object) -> None:
    if kwargs.get("raw"):
        return  # fixtures loading
    bump()


def watch(*models: type[Model]) -> None:
    """Every save or delete of these models (back office, services) makes processes reload."""
    for model in models:
        uid = f"reference.watch.{model._meta.label}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid + ".save", weak=False)
        post_delete.connect(_changed, sender=model, dispatch_uid=uid + ".delete", weak=False)


def after_migrate(**kwargs: object) -> None:
    """After `migrate` or `flush`: start afresh, with the generation row in place."""
    from simrenew.reference.models import Generation

    clear()
    using = str(kwargs.get("using") or "default")
    Generation.objects.using(using).get_or_create(pk=1, defaults={"value": 0})
