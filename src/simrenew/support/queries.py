"""Reads of support cases for the back office's inbox and the customer's own data."""

from django.db.models import Count, Q, QuerySet

from simrenew.support.models import Case, CaseStatus, Message

INBOX_PAGE = 50


def inbox(*, status: str = "", search: str = "") -> QuerySet[Case]:
    """Cases, the most recently active first: by status (open, answered, closed; all when empty) and by
    a part of the reference or of the e-mail address."""
    cases = Case.objects.all()
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    text = " ".join(search.split())
    if text:
        cases = cases.filter(Q(reference__icontains=text) | Q(email__icontains=text))
    return cases.order_by("-updated_at", "-id")


def counts() -> dict[str, int]:
    """How many cases per status, for the inbox's filters."""
    found = dict.fromkeys(CaseStatus.values, 0)
    for row in Case.objects.order_by().values("status").annotate(n=Count("id")):
        found[row["status"]] = row["n"]
    return found


def conversation(case: Case) -> list[Message]:
    return list(case.messages.select_related("author").order_by("created_at", "id"))


def cases_of(*, customer_id: int) -> list[dict[str, object]]:
    """The customer's cases with their messages, as plain values (My data, and its download)."""
    cases = Case.objects.filter(customer_id=customer_id).prefetch_related("messages").order_by("created_at", "id")
    return [
        {
            "reference": case.reference,
            "topic": case.topic,
            "topic_label": str(case.get_topic_display()),
            "status": case.status,
            "status_label": str(case.get_status_display()),
            "opened_at": case.created_at,
            "mobile_number": case.msisdn,
            "messages": [
                {"direction": m.direction, "from": m.author_name, "text": m.body, "at": m.created_at}
                for m in case.messages.all()
            ],
        }
        for case in cases
    ]
