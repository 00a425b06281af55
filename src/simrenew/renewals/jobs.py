"""The lifecycle's scheduled jobs. Each takes (since, until): `until` is now, `since` where its last
successful run stopped (None the first time). Most work from state ("every period ended by now"),
so a run after two days of downtime does everything that fell due; event scans, and reminders (due
when the time left crosses a reminder day), use `since`.

A tick costs what is due, not what exists: each job selects what is due with set-based queries on
indexed ranges that leave out what was already done or told, a page of ids at a time (keyset
pagination: memory stays flat whatever the number of lines), and does a batch of items per
transaction, each under its line's lock, its notices and their delivery job in the same commit. A
batch that fails is done again one item per transaction, so one failing item does not hold back the
others; every notice has a unique key, so a job that runs twice, or dies half-way and runs again,
does each thing once.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery

from simrenew.brands.models import Brand, reminder_days_of
from simrenew.charging import service as charging
from simrenew.customers import retention as retention_policy
from simrenew.ledger.models import Account, Posting
from simrenew.lines import lifecycle
from simrenew.lines import queries as line_queries
from simrenew.lines import service as lines
from simrenew.lines.models import BundlePeriod, Line, LineStatus
from simrenew.notifications import delivery
from simrenew.notifications.models import Notification
from simrenew.orders import reconcile
from simrenew.orders import service as orders
from simrenew.orders.models import Order
from simrenew.renewals import notices, queries
from simrenew.renewals import service as renewals

log = logging.getLogger(__name__)
Result = dict[str, int]

# A first run looks back this far for events (renewals, low credit) rather than at all history.
FIRST_RUN_LOOKBACK = timedelta(days=1)
# Event scans overlap the previous run a little (notices are unique, so nothing is sent twice).
SCAN_OVERLAP = timedelta(minutes=5)
# Ids read per query: a few kilobytes, whatever is due.
PAGE_SIZE = 5000


def batch_size() -> int:
    """Items per transaction (LIFECYCLE_BATCH_SIZE): one commit for many, line locks held briefly."""
    return max(1, int(getattr(settings, "LIFECYCLE_BATCH_SIZE", 100)))


def _pages(due: QuerySet[Any], value: str = "pk", order: str = "pk") -> Iterator[list[int]]:
    """The `value`s of `due` (ids), a page at a time, read in the order of `order` and then the id:
    keyset pagination (a page starts after the last row of the one before), so memory stays bounded.
    `order` is the column of the index that finds what is due: read in its order, a page costs what
    it returns even where the planner misjudges the range (most periods ended long ago, but only
    active ones are due)."""
    after: tuple[Any, int] | None = None
    while True:
        rows = due
        if after is not None:
            rows = rows.filter(**{f"{order}__gte": after[0]}).filter(
                Q(**{f"{order}__gt": after[0]}) | Q(pk__gt=after[1])
            )
        page = list(rows.order_by(order, "pk").values_list(order, "pk", value)[:PAGE_SIZE])
        if not page:
            return
        yield sorted({row[2] for row in page})
        after = (page[-1][0], page[-1][1])


@dataclass(frozen=True)
class Work[T]:
    """What a job does with a batch of ids: `load` reads (or locks) the batch's items in one query,
    `line_of` names the line whose people may hear about an item, `do` does one item."""

    load: Callable[[list[int]], list[T]]
    line_of: Callable[[T], int]
    do: Callable[[T], int]
    # Or the whole batch at once (a few statements for all its items, not a few for each).
    do_all: Callable[[list[T]], int] | None = None

    def done(self, items: list[T]) -> int:
        if self.do_all is not None:
            return self.do_all(items)
        return sum(self.do(item) for item in items)


def _each[T](pages: Iterator[list[int]], work: Work[T], name: str, result: Result | None = None) -> Result:
    """Do every item, a batch per transaction; one failing item does not stop the others."""
    result = {} if result is None else result
    size = batch_size()
    for page in pages:
        for start in range(0, len(page), size):
            _batch(page[start : start + size], work, name, result)
    return result


def _batch[T](ids: list[int], work: Work[T], name: str, result: Result) -> None:
    """One transaction (one commit) for the batch, its notices delivered by one job; whom to tell about
    its lines is read once. If anything in it fails, each item again in its own transaction."""
    try:
        with transaction.atomic(), delivery.delivered_together():
            items = work.load(ids)
            with notices.people_known(work.line_of(item) for item in items):
                done = work.done(items)
    except Exception:
        if len(ids) > 1:  # the batch was undone: each of its items again, on its own
            for item_id in ids:
                _batch([item_id], work, name, result)
            return
        log.exception("scheduled work on %r failed; it is retried on the next run", ids[0])
        result["errors"] = result.get("errors", 0) + 1
        return
    result[name] = result.get(name, 0) + done


def _periods(ids: list[int]) -> list[BundlePeriod]:
    return list(BundlePeriod.objects.select_related("line__brand", "product").filter(pk__in=ids).order_by("pk"))


def _lines(ids: list[int]) -> list[Line]:
    return list(Line.objects.select_related("brand").filter(pk__in=ids).order_by("pk"))


def _line_itself(line: Line) -> int:
    return line.pk


def _line_of_period(period: BundlePeriod) -> int:
    return period.line_id


def _scan_from(since: datetime | None, until: datetime) -> datetime:
    start = since if since is not None else until - FIRST_RUN_LOOKBACK
    return min(start, until) - SCAN_OVERLAP


def _reminders_since(since: datetime | None, until: datetime) -> datetime | None:
    """Where reminder windows start: the last run, less the overlap (None: a first run takes all)."""
    return None if since is None else min(since, until) - SCAN_OVERLAP


# --- The jobs


def auto_renew(since: datetime | None, until: datetime) -> Result:
    return renewals.run(at=until, since=since)


def bundle_periods(since: datetime | None, until: datetime) -> Result:
    """Periods end and queued ones start on time; a bundle that ended with nothing after it is told."""

    def load(ids: list[int]) -> list[tuple[Line, datetime | None]]:
        """The lines locked, each with the latest start of any of its periods (one query for the batch)."""
        locked = lines.lock_lines(ids)
        latest = dict(
            BundlePeriod.objects.filter(line_id__in=ids)
            .values("line_id")
            .annotate(latest=Max("starts_at"))
            .values_list("line_id", "latest")
        )
        return [(line, latest.get(line.pk)) for line in locked]

    def advance_all(items: list[tuple[Line, datetime | None]]) -> int:
        """The batch's periods in a few statements, and its notices in one."""
        latest = {line.pk: latest_start for line, latest_start in items}
        ended = lifecycle.advance_periods_of([line for line, _ in items], at=until)
        events = [
            notices.period_ended_event(period)
            for line_id, periods in ended.items()
            for period in periods
            # Another period follows it when one starts at or after its end: then the latest start is at
            # or after its end (its own start is before its end, so that latest is another period's).
            if latest[line_id] is None or latest[line_id] < period.ends_at  # type: ignore[operator]
        ]
        notices.tell_all(events)
        return sum(len(periods) for periods in ended.values())

    work = Work(load=load, line_of=lambda item: item[0].pk, do=lambda item: advance_all([item]), do_all=advance_all)
    result = _each(_pages(lifecycle.periods_ended(until), "line_id", "ends_at"), work, "periods_ended")
    return _each(_pages(lifecycle.periods_starting(until), "line_id", "starts_at"), work, "periods_ended", result)


def credit_validity(since: datetime | None, until: datetime) -> Result:
    """Lapsed credit validity → grace (receive only); grace over → suspended with breakage."""

    def apply_all(found: list[Line]) -> int:
        """Each line's changes (its ledger's breakage), the batch's notices in one statement."""
        events, done = [], 0
        with lifecycle.ledger_known(found):
            for line in found:
                changes = lifecycle.apply_credit_validity(line=line, at=until)
                done += len(changes)
                if not changes:
                    continue
                last = changes[-1]  # a line that went through both at once is told where it is now
                if last.new == LineStatus.SUSPENDED:
                    breakage = sum(change.breakage_amount for change in changes)
                    events.append(notices.suspended_event(line, breakage_amount=breakage))
                else:
                    events.append(notices.grace_started_event(line, grace_ends_at=lifecycle.grace_ends_at(line)))
        notices.tell_all(events)
        return done

    work = Work(load=lines.lock_lines, line_of=_line_itself, do=lambda line: apply_all([line]), do_all=apply_all)
    result: Result = {}
    for due in lifecycle.lines_with_credit_due(until):
        _each(_pages(due, order="credit_expires_at"), work, "status_changes", result)
    return result


def bonus_expiry(since: datetime | None, until: datetime) -> Result:
    def expire(line: Line) -> int:
        return lifecycle.expire_bonus(line=line, at=until)

    work = Work(load=lines.lock_lines, line_of=_line_itself, do=expire)
    return _each(_pages(lifecycle.bonus_grants_due(until), "line_id", "expires_at"), work, "bonus_expired_amount")


def reminders(since: datetime | None, until: datetime) -> Result:
    """Bundles ending soon (per brand: e.g. 7 and 1 days before) and credit validity ending."""
    result: Result = {}
    start = _reminders_since(since, until)
    _bundle_reminders(start, until, result)
    _credit_reminders(start, until, result)
    return result


def _bundle_reminders(start: datetime | None, until: datetime, result: Result) -> None:
    for brand in Brand.objects.all():
        for window in queries.crossed(reminder_days_of(brand.reminder_days), since=start, until=until):

            def remind_all(periods: list[BundlePeriod], days: int = window.days) -> int:
                events = [
                    notices.expiring_soon_event(period, days=days, price_amount=period.product.price_amount or 0)
                    for period in periods
                ]
                return notices.tell_all(events)

            work = Work(
                load=_periods, line_of=_line_of_period, do=lambda period: remind_all([period]), do_all=remind_all
            )
            _each(_pages(queries.bundles_ending(brand, window)), work, "expiring_soon", result)


def _credit_reminders(start: datetime | None, until: datetime, result: Result) -> None:
    schedule = reminder_days_of(getattr(settings, "CREDIT_VALIDITY_REMINDER_DAYS", "30,7"))
    due = [
        (window, queries.credit_validity_ending(window))
        for window in queries.crossed(schedule, since=start, until=until)
    ]
    if start is not None:  # and those a failed automatic renewal stopped covering since the last run
        due += [
            (window, queries.credit_validity_uncovered(window, since=start, until=until))
            for window in queries.reach(schedule, until=until)
        ]
    for window, lines_due in due:

        def warn_all(found: list[Line], days: int = window.days) -> int:
            """The batch's balances in one query, its notices in one statement."""
            balances = line_queries.balances_of(found)
            events = [
                notices.credit_ending_event(line, days=days, balance_amount=balances[line.pk].total_amount)
                for line in found
            ]
            return notices.tell_all(events)

        pages = (_credit_not_told(page, window.days) for page in _pages(lines_due))
        work = Work(load=_lines, line_of=_line_itself, do=lambda line: warn_all([line]), do_all=warn_all)
        _each(pages, work, "credit_ending", result)


def _credit_not_told(line_ids: list[int], days: int) -> list[int]:
    """The lines of a page not yet told that this validity ends (one query for the page)."""
    keys = {
        notices.credit_ending_key(line_id, expires_at, days): line_id
        for line_id, expires_at in Line.objects.filter(pk__in=line_ids).values_list("pk", "credit_expires_at")
        if expires_at is not None
    }
    told = set(Notification.objects.filter(event_key__in=list(keys)).values_list("event_key", flat=True))
    return sorted(line_id for key, line_id in keys.items() if key not in told)


def data_use(since: datetime | None, until: datetime) -> Result:
    """80 % and 100 % of a period's data used: told once each (the level is kept on the period)."""

    def warn_all(periods: list[BundlePeriod]) -> int:
        events = []
        for period in periods:
            level = lifecycle.data_alert_due(period)
            if lifecycle.mark_data_alert(period=period, level=level):
                events.append(notices.data_used_event(period, level=level))
        return notices.tell_all(events)

    work = Work(load=_periods, line_of=_line_of_period, do=lambda period: warn_all([period]), do_all=warn_all)
    return _each(_pages(lifecycle.periods_to_warn_about_data()), work, "data_alerts")


def low_credit(since: datetime | None, until: datetime) -> Result:
    """Lines whose credit went below the threshold by spending since the last run: told once per
    top-up cycle (the notice's key names the last journal that added credit)."""
    threshold = getattr(settings, "LOW_CREDIT_AMOUNT", 300)
    spent = queries.credit_accounts_spent(after=_scan_from(since, until), until=until)

    def load(ids: list[int]) -> list[tuple[Line, int, int]]:
        """Each line with its balance and, where it is low, its top-up cycle: the last journal that
        added to its credit (one query for the batch's low lines)."""
        found = _lines(ids)
        balances = {line_id: b.total_amount for line_id, b in line_queries.balances_of(found).items()}
        low = [line for line in found if line.status == LineStatus.ACTIVE and balances[line.pk] < threshold]
        episodes: dict[str, int] = {}
        if low:
            # A subquery per account, not a join grouped by code: joined, PostgreSQL's estimate of postings
            # per account (the platform's accounts have millions) made it scan every account (60-80 ms a
            # batch at a million lines, against a few ms found by code and read backwards on the index).
            last_topup = (
                Posting.objects.filter(account=OuterRef("pk"), amount__gt=0)
                .order_by("-journal_id")
                .values("journal_id")[:1]
            )
            episodes = dict(
                Account.objects.filter(code__in=[line.credit_account_code for line in low])
                .annotate(last=Subquery(last_topup))
                .values_list("code", "last")
            )
        return [(line, balances[line.pk], episodes.get(line.credit_account_code) or 0) for line in found]

    def check_all(items: list[tuple[Line, int, int]]) -> int:
        events = [
            notices.low_credit_event(line, episode=episode, balance_amount=balance)
            for line, balance, episode in items
            if line.status == LineStatus.ACTIVE and balance < threshold
        ]
        return notices.tell_all(events)

    pages = (_lines_of_accounts(page) for page in _pages(spent, "account_id", "journal__created_at"))
    work = Work(load=load, line_of=lambda item: item[0].pk, do=lambda item: check_all([item]), do_all=check_all)
    return _each(pages, work, "low_credit")


def _lines_of_accounts(account_ids: list[int]) -> list[int]:
    """The lines a page of credit and bonus accounts belong to (their codes are `line:{id}:…`)."""
    codes = Account.objects.filter(pk__in=account_ids).values_list("code", flat=True)
    return sorted({int(code.split(":")[1]) for code in codes if code.startswith("line:")})


def renewed_notices(since: datetime | None, until: datetime) -> Result:
    """Every bundle fulfilled since the last run, by any channel, is told as renewed."""
    fulfilled = queries.bundles_fulfilled(after=_scan_from(since, until), until=until)

    def load(ids: list[int]) -> list[tuple[Order, BundlePeriod | None]]:
        found = Order.objects.select_related("line__brand", "product", "receipt").filter(pk__in=ids).order_by("pk")
        periods = {period.order_id: period for period in BundlePeriod.objects.filter(order_id__in=ids)}
        return [(order, periods.get(order.pk)) for order in found]

    def tell_all(items: list[tuple[Order, BundlePeriod | None]]) -> int:
        return notices.tell_all([notices.renewed_event(*item) for item in items])

    work = Work(load=load, line_of=lambda item: item[0].line_id, do=lambda item: tell_all([item]), do_all=tell_all)
    return _each(_pages(fulfilled, order="fulfilled_at"), work, "renewed")


def abandoned_orders(since: datetime | None, until: datetime) -> Result:
    """Orders never sent to payment (the provider was down, the customer left) expire and give
    back the promotion budget they reserved."""
    return {"expired": orders.expire_abandoned_orders(before=until - timedelta(hours=1))}


def reconcile_orders(since: datetime | None, until: datetime) -> Result:
    """Payments settled at the provider without a webhook reaching us, webhooks left unprocessed and
    confirmations never sent (work from state: what is due now, whatever happened before)."""
    return reconcile.run(at=until)


def send_notifications(since: datetime | None, until: datetime) -> Result:
    return {"sent": delivery.send_due()}


def charging_sessions(since: datetime | None, until: datetime) -> Result:
    """Close charging sessions the network stopped reporting on (their holds stopped counting when
    they expired; this returns them and closes the session record)."""
    return {"expired": charging.expire_sessions(at=until)}


def retention(since: datetime | None, until: datetime) -> Result:
    """Hourly: records past their keeping time go (customers.retention; docs/operations.md)."""
    return retention_policy.purge(at=until) if retention_policy.due(since, until) else {}


# In this order on every tick: renew and settle payments before periods end, then move periods and
# statuses, then tell.
JOBS: list[tuple[str, Callable[[datetime | None, datetime], Result]]] = [
    ("renewals.auto_renew", auto_renew),
    ("orders.reconcile", reconcile_orders),
    ("lines.bundle_periods", bundle_periods),
    ("lines.credit_validity", credit_validity),
    ("lines.bonus_expiry", bonus_expiry),
    ("notifications.reminders", reminders),
    ("notifications.data_use", data_use),
    ("notifications.low_credit", low_credit),
    ("notifications.renewed", renewed_notices),
    ("orders.abandoned", abandoned_orders),
    ("charging.expire", charging_sessions),
    ("notifications.send", send_notifications),
    ("privacy.retention", retention),
]
