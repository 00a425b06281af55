"""When to ask the provider again about a payment still open: a webhook may be lost, so payments are
checked on a schedule that backs off as they age (a card payment settles in minutes, a bank transfer
may take days)."""

from datetime import datetime, timedelta

from django.conf import settings

from simrenew.kit import clock

# However long a payment has been open, it is checked at least this often while its order waits.
LONGEST_WAIT = timedelta(hours=6)


def shortest_wait() -> timedelta:
    """How long a new payment is left to its webhook before we ask ourselves (and the shortest wait)."""
    return timedelta(seconds=int(getattr(settings, "PAYMENT_RECONCILE_AFTER_SECONDS", 120)))


def first_check_at() -> datetime:
    return clock.now() + shortest_wait()


def next_check_at(*, waiting_since: datetime, now: datetime | None = None) -> datetime:
    """After a quarter of the time waited so far: every 2 minutes at first, every 15 after an hour,
    every 6 hours from a day on. A bank transfer open for a week costs about 50 calls, not 10,000."""
    now = now or clock.now()
    return now + min(max(shortest_wait(), (now - waiting_since) / 4), LONGEST_WAIT)
