"""Reads of the reconciliation that the back office shows."""

from django.db.models import Count, Q, QuerySet

from simrenew.finance.models import Difference, ReconciliationRun


def runs(limit: int = 60) -> QuerySet[ReconciliationRun]:
    return ReconciliationRun.objects.annotate(
        open_count=Count("differences", filter=Q(differences__resolution="")),
        resolved_count=Count("differences", filter=~Q(differences__resolution="")),
    ).order_by("-day")[:limit]


def differences_of(run: ReconciliationRun) -> list[Difference]:
    """Open ones first, then the decided ones, each by cause and reference."""
    found = run.differences.select_related("resolved_by")
    return sorted(found, key=lambda d: (not d.is_open, d.cause, d.reference))
