"""The single source of 'now', so tests and the demo clock can move time.

In the demo (settings.DEMO_CLOCK, never in production) every process adds an offset kept in a small
JSON file under VAR_DIR, so `simrenew demo_clock advance 8d` moves the web server, the task worker
and the scheduler together. `pinned(moment)` holds the clock at one moment inside a block (the
scheduler's `--at`).
"""

import contextlib
import json
import os
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

_pinned: ContextVar[datetime | None] = ContextVar("simrenew_clock_pinned", default=None)
# (path, mtime_ns) → offset: the file is read again only when it changes.
_cache: dict[tuple[str, int], timedelta] = {}


class DemoClockOff(RuntimeError):
    """Moving the clock was asked for where the demo clock is not enabled (or in production)."""


def now() -> datetime:
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    current = timezone.now()
    if demo_clock_enabled():
        current += demo_offset()
    return current


@contextlib.contextmanager
def pinned(moment: datetime) -> Iterator[datetime]:
    """Within the block (and the jobs it runs inline) `now()` is `moment`."""
    if timezone.is_naive(moment):
        raise ValueError("pin the clock to an aware datetime")
    token = _pinned.set(moment)
    try:
        yield moment
    finally:
        _pinned.reset(token)


def demo_clock_enabled() -> bool:
    return bool(getattr(settings, "DEMO_CLOCK", False)) and not getattr(settings, "PRODUCTION", False)


def demo_clock_file() -> Path:
    configured = getattr(settings, "DEMO_CLOCK_FILE", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "demo-clock.json"


def demo_offset() -> timedelta:
    """How far the demo clock runs ahead of the real one (zero without a file)."""
    path = demo_clock_file()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return timedelta(0)
    key = (str(path), stat.st_mtime_ns)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        seconds = float(json.loads(path.read_text(encoding="utf-8")).get("offset_seconds", 0))
    except (OSError, ValueError, AttributeError):
        seconds = 0.0
    _cache.clear()
    _cache[key] = timedelta(seconds=seconds)
    return _cache[key]


def set_demo_offset(offset: timedelta) -> timedelta:
    """Move the demo clock to real time + `offset` for every process. Never allowed in production."""
    if not demo_clock_enabled():
        raise DemoClockOff("The demo clock is off: it runs only with DEMO_CLOCK=true and never in production.")
    if offset < timedelta(0):
        raise ValueError("the demo clock never runs behind real time")
    path = demo_clock_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"offset_seconds": offset.total_seconds()}), encoding="utf-8")
    os.replace(temporary, path)  # atomic: a reader sees the old offset or the new one
    return offset


def advance_demo_clock(by: timedelta) -> timedelta:
    if by <= timedelta(0):
        raise ValueError("the demo clock only moves forward")
    return set_demo_offset(demo_offset() + by)


def reset_demo_clock() -> None:
    if not demo_clock_enabled():
        raise DemoClockOff("The demo clock is off: it runs only with DEMO_CLOCK=true and never in production.")
    with contextlib.suppress(FileNotFoundError):
        demo_clock_file().unlink()
