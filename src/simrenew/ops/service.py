"""Recording checks' outcomes."""

from django.utils import timezone

from simrenew.ops.models import CheckRun


def record_check(name: str, *, ok: bool, duration_ms: int = 0, detail: str = "") -> None:
    """Keep the outcome of one run of `name` (real time, never the demo clock: it is about processes)."""
    CheckRun.objects.update_or_create(
        name=name,
        defaults={"ran_at": timezone.now(), "ok": ok, "duration_ms": duration_ms, "detail": detail[:2000]},
    )
