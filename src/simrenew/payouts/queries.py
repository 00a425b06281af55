"""Reads of leftover credit requests that the portal and the back office share."""

from django.db.models import Count, QuerySet, Sum

from simrenew.lines.models import Line
from simrenew.payouts.models import OPEN_STATUSES, LeftoverCreditRequest, LeftoverStatus


def requests_of_line(line: Line) -> QuerySet[LeftoverCreditRequest]:
    return LeftoverCreditRequest.objects.filter(line=line).order_by("-created_at", "-id")


def open_request(line: Line) -> LeftoverCreditRequest | None:
    return LeftoverCreditRequest.objects.filter(line=line, status__in=OPEN_STATUSES).first()


def requests(status: str = "") -> QuerySet[LeftoverCreditRequest]:
    found = LeftoverCreditRequest.objects.select_related("line", "line__brand", "decided_by", "requested_by")
    if status in LeftoverStatus.values:
        found = found.filter(status=status)
    return found.order_by("-created_at", "-id")


def approved_by_brand() -> list[dict[str, object]]:
    """Per brand with approved requests waiting: its id, name, how many and their total payout."""
    rows = (
        LeftoverCreditRequest.objects.filter(status=LeftoverStatus.APPROVED)
        .values("line__brand_id", "line__brand__name", "currency")
        .annotate(count=Count("id"), amount=Sum("amount"), fees=Sum("fee_amount"))
        .order_by("line__brand__name")
    )
    return [
        {
            "brand_id": row["line__brand_id"],
            "brand_name": row["line__brand__name"],
            "currency": row["currency"],
            "count": row["count"],
            "total": int(row["amount"] or 0) - int(row["fees"] or 0),
        }
        for row in rows
    ]
