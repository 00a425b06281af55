"""Who holds which line, and who held it when: reads shared by the portal, order visibility and privacy.

A customer sees what happened to a line while they held it, and only while they hold it now; these
querysets take plain values or OuterRef expressions, so callers can use them as subqueries.
"""

from typing import Any

from django.db.models import Q, QuerySet

from simrenew.customers.models import LineHolding, LineLink, User


def holder_of(line: Any) -> User | None:
    link = LineLink.objects.select_related("customer").filter(line=line).first()
    return link.customer if link is not None else None


def holds(*, customer_id: Any, line: Any) -> QuerySet[LineLink]:
    """The customer's link to the line, if they hold it now (empty otherwise)."""
    return LineLink.objects.filter(customer_id=customer_id, line=line)


def held_line_ids(*, customer_id: Any) -> QuerySet[LineLink, Any]:
    """The ids of the lines the customer holds now (a subquery: `line_id__in=held_line_ids(...)`)."""
    return LineLink.objects.filter(customer_id=customer_id).values("line_id")


def holdings_covering(*, customer_id: Any, line: Any, at: Any) -> QuerySet[LineHolding]:
    """The customer's holdings of the line that include the moment `at` (from its start, up to but
    not including its end: at the moment a line moves, it is the new holder's)."""
    return LineHolding.objects.filter(customer_id=customer_id, line=line, started_at__lte=at).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=at)
    )


def holdings_of(customer: User) -> QuerySet[LineHolding]:
    """Every line the customer held and from when to when (the current ones have no end)."""
    return LineHolding.objects.filter(customer=customer).select_related("line", "line__brand").order_by("started_at")
