"""Background jobs of finance: named `finance.<verb>`, idempotent."""

from datetime import date, timedelta

from django.tasks import task
from django.utils import timezone

from simrenew.finance import service
from simrenew.kit import clock


@task()
def reconcile(day: str = "") -> str:
    """finance.reconcile: reconcile one day (ISO date; yesterday when empty). Running it again
    replaces the day's open differences and keeps the resolved ones."""
    when = date.fromisoformat(day) if day else timezone.localdate(clock.now()) - timedelta(days=1)
    run = service.reconcile_day(day=when)
    return f"{run.day}: {run.status}"
