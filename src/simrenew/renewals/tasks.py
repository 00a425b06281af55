"""Background jobs of renewals: named `renewals.<verb>`, idempotent."""

from django.tasks import task

from simrenew.renewals import scheduler


@task()
def tick() -> dict[str, str]:
    """renewals.tick: run every scheduled lifecycle job that is not already running, up to now."""
    return {
        outcome.name: outcome.error or ("skipped: running elsewhere" if not outcome.ran else "ok")
        for outcome in scheduler.tick()
    }
