"""The customer is told once when their credit runs out during use: by SMS to the line, in the
language of its first customer, with how to top up (the low-credit notice at the balance left)."""

from simrenew.customers.models import LineLink
from simrenew.ledger.models import Posting
from simrenew.lines.models import Line
from simrenew.notifications.delivery import Person, notify
from simrenew.notifications.models import Notification, NotificationKind


def people_of(line: Line) -> list[Person]:
    """The line's customers, earliest link first; e-mail only to verified addresses."""
    links = LineLink.objects.filter(line=line).select_related("customer").order_by("linked_at", "id")
    return [
        Person(link.customer_id, link.customer.email if link.customer.email_verified else "", link.customer.language)
        for link in links
        if link.customer.is_active
    ]


def depletion(line: Line) -> int:
    """Which run of credit this is: the last journal that added credit or bonus to the line (a top-up
    starts a new one, and the customer can be told again when it runs out)."""
    last = (
        Posting.objects.filter(account__code__in=[line.credit_account_code, line.bonus_account_code], amount__gt=0)
        .order_by("-journal_id")
        .values_list("journal_id", flat=True)
        .first()
    )
    return int(last or 0)


def used_up(line: Line, *, balance_amount: int) -> list[Notification]:
    """Told once per run of credit (the event key names it); recorded in the caller's transaction."""
    return notify(
        kind=NotificationKind.LOW_CREDIT,
        event_key=f"credit_used_up:{line.pk}:{depletion(line)}",
        line=line,
        people=people_of(line),
        facts={"balance_amount": balance_amount},
    )
