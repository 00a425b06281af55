"""Notifying customers: one row per event, channel and recipient (so each event is told once),
rendered in the recipient's language when it is sent, e-mailed at once and texted outside 21:00 to
08:00 Brussels time.

`notify` records the messages with the event's facts in the caller's transaction, together with the
job that delivers them (simrenew's database queue writes it in that transaction; another queue gets it
after commit). The delivery renders each message once and sends it. The scheduler's `send_due` sends
what was held for the morning, failed for a while, was interrupted, or whose job never ran.

At least once, and recognisably once: a send interrupted before its outcome was recorded (the process
died) is sent again, as the same message (e-mails carry a Message-ID derived from the row's key); a
row recorded as sent is never sent again.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import router, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation

from simrenew.jobs.backend import enqueue_with_transaction
from simrenew.kit import clock
from simrenew.lines.models import Line
from simrenew.notifications import facts as event_facts
from simrenew.notifications import kinds, sql
from simrenew.notifications.models import Channel, Notification, NotificationStatus
from simrenew.notifications.preferences import channels_for_each
from simrenew.notifications.service import message_id
from simrenew.notifications.sms import get_gateway

log = logging.getLogger(__name__)

BRUSSELS = ZoneInfo("Europe/Brussels")
MAX_ATTEMPTS = 5


def stuck_after() -> timedelta:
    """A send still unfinished after this was interrupted: longer than any send takes, which the
    SMTP and SMPP timeouts bound (15 s and 10 s per exchange)."""
    return timedelta(seconds=int(getattr(settings, "NOTIFICATION_STUCK_AFTER_SECONDS", 300)))


@dataclass(frozen=True)
class Person:
    """A customer who hears about a line: their account's e-mail address and language."""

    customer_id: int
    email: str
    language: str


def quiet_hours() -> tuple[int, int]:
    start, end = getattr(settings, "SMS_QUIET_HOURS", (21, 8))
    return int(start), int(end)


def sms_allowed_from(at: datetime) -> datetime:
    """`at`, or 08:00 Brussels time when `at` falls in the night (21:00 to 08:00)."""
    start, end = quiet_hours()
    local = at.astimezone(BRUSSELS)
    if end <= local.hour < start:
        return at
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=BRUSSELS)


def notify(
    *,
    kind: str,
    event_key: str,
    line: Line,
    people: list[Person],
    facts: dict[str, Any],
    skip_emails: frozenset[str] = frozenset(),
) -> list[Notification]:
    """Record the messages about one event for a line, once, and have them sent after commit.

    E-mails go to each person who wants this kind by e-mail (except addresses in `skip_emails`,
    which already got this news another way, e.g. an order's receipt); one SMS goes to the line
    itself, in the language and by the choice of the line's first person (defaults without one).
    Returns the rows created now (none when the event was notified before).

    Two statements whatever the number of recipients: the channels of every person in one query,
    and one INSERT of the messages not recorded yet (the unique key decides, not a look-up first);
    then their delivery job, one per event or one per `delivered_together` block. The messages are
    recorded with the event's facts and rendered by their delivery (see `notifications.facts`).
    """
    return notify_all([Event(kind, event_key, line, people, facts, skip_emails)])


@dataclass(frozen=True)
class Event:
    """One event to tell about a line: `notify`'s arguments."""

    kind: str
    event_key: str
    line: Line
    people: list[Person]
    facts: dict[str, Any]
    skip_emails: frozenset[str] = frozenset()


# Messages per INSERT: well under the databases' limits on parameters in one statement.
ROWS_PER_INSERT = 500


def notify_all(events: list[Event]) -> list[Notification]:
    """`notify` for several events (a batch of the scheduler's work): their messages recorded in one
    INSERT, not one per event; returns the rows created now, in the order of the events."""
    return [_saved(row_id, values, line) for row_id, values, line in _record(events)]


def _saved(row_id: int, values: tuple[Any, ...], line: Line) -> Notification:
    """The row recorded, as the ORM would have made it on saving it."""
    fields = dict(zip(sql.COLUMNS, values, strict=True))
    del fields["line_id"]
    row = Notification(pk=row_id, line=line, **fields)
    row._state.adding, row._state.db = False, router.db_for_write(Notification)
    return row


def record_all(events: list[Event]) -> int:
    """notify_all, for a caller that only needs how many messages were recorded now (the scheduler's
    jobs): no model instance made for each."""
    return len(_record(events))


def _record(events: list[Event]) -> list[tuple[int, tuple[Any, ...], Line]]:
    """Record the events' messages not recorded before and have them delivered: (id, the values of
    sql.COLUMNS, the line) of each recorded now, in the order of the events."""
    now = clock.now()
    rows: list[tuple[tuple[Any, ...], Line]] = []
    seen: set[str] = set()  # an event given twice is recorded once
    for event in events:
        if event.event_key in seen:
            continue
        seen.add(event.event_key)
        line = event.line
        messages = _messages(
            kind=event.kind,
            event_key=event.event_key,
            line=line,
            people=event.people,
            skip_emails=event.skip_emails,
            now=now,
        )
        stored = event_facts.dump({"brand": line.brand.name, "msisdn": line.msisdn, **event.facts})
        rows += [
            (
                (
                    message.key,
                    event.event_key,
                    event.kind,
                    message.channel,
                    message.recipient,
                    message.customer_id,
                    line.pk,
                    message.language,
                    stored,
                    message.send_after,
                    now,
                ),
                line,
            )
            for message in messages
        ]
    created: list[tuple[int, tuple[Any, ...], Line]] = []
    for start in range(0, len(rows), ROWS_PER_INSERT):
        chunk = rows[start : start + ROWS_PER_INSERT]
        ids = sql.insert_new([values for values, _ in chunk])
        created += [(ids[values[sql.KEY]], values, line) for values, line in chunk if values[sql.KEY] in ids]
    _deliver([row_id for row_id, values, _ in created if values[sql.SEND_AFTER] <= now])
    return created


@dataclass(frozen=True)
class _Message:
    """One message to record: its unique key, channel, recipient and language."""

    key: str
    channel: str
    recipient: str
    customer_id: int | None
    language: str
    send_after: datetime


def _messages(
    *, kind: str, event_key: str, line: Line, people: list[Person], skip_emails: frozenset[str], now: datetime
) -> list[_Message]:
    chosen = channels_for_each(customer_ids=[person.customer_id for person in people], kind=kind)
    messages = [
        _Message(
            f"{event_key}|email|{person.customer_id}",
            Channel.EMAIL,
            person.email,
            person.customer_id,
            person.language,
            now,
        )
        for person in people
        if Channel.EMAIL in chosen[person.customer_id] and person.email and person.email.lower() not in skip_emails
    ]
    holder = people[0] if people else None
    if Channel.SMS in chosen[holder.customer_id if holder else None]:
        messages.append(
            _Message(
                f"{event_key}|sms|line",
                Channel.SMS,
                line.msisdn,
                holder.customer_id if holder else None,
                holder.language if holder else settings.LANGUAGE_CODE,
                sms_allowed_from(now),
            )
        )
    return messages


# --- Delivery jobs: one per event, or one for every event of a `delivered_together` block

_together: ContextVar[list[int] | None] = ContextVar("notifications_delivered_together", default=None)
# Notifications per delivery job: a job is short enough to be retried whole, long enough to be worth it.
DELIVERY_JOB_SIZE = 200
# A notice just recorded is its delivery job's to send; send_due only steps in after this (a lost job).
DELIVERY_JOB_GRACE = timedelta(minutes=10)


@contextmanager
def delivered_together() -> Iterator[None]:
    """Inside, the notices recorded are delivered by one job per DELIVERY_JOB_SIZE, queued as the block
    ends without an error (in the caller's transaction, as a lone notice's job is)."""
    ids: list[int] = []
    token = _together.set(ids)
    try:
        yield
    finally:
        _together.reset(token)
    for start in range(0, len(ids), DELIVERY_JOB_SIZE):
        _enqueue(ids[start : start + DELIVERY_JOB_SIZE])


def _deliver(ids: list[int]) -> None:
    together = _together.get()
    if together is not None:
        together.extend(ids)
    elif ids:
        _enqueue(ids)


def _enqueue(ids: list[int]) -> None:
    """The notices and the job that sends them commit together (one commit, and a rollback takes both
    back): jobs.backend.enqueue_with_transaction."""
    from simrenew.notifications.tasks import deliver_notifications

    enqueue_with_transaction(deliver_notifications, ids)


def render(*, kind: str, channel: str, facts: dict[str, Any], language: str) -> tuple[str, str, str]:
    """(subject, text, html) for an e-mail, ("", text, "") for an SMS, in `language`."""
    with translation.override(language):
        message = kinds.compose(kind, facts)
        if channel == Channel.SMS:
            return "", message.sms, ""
        context = {"message": message, "language": language, "settings_url": kinds.portal_url("notification_settings")}
        subject = render_to_string("notifications/email/notice.subject.txt", context).strip()
        text = render_to_string("notifications/email/notice.txt", context)
        html = render_to_string("notifications/email/notice.html", context)
    return " ".join(subject.split())[:255], text, html


def deliver(notification_id: int) -> str:
    """Send one due notification, once: claim it, send it, record the outcome."""
    now = clock.now()
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, status=NotificationStatus.PENDING, send_after__lte=now)
            .first()
        )
        if row is None:
            return "not_due"
        if row.channel == Channel.SMS and sms_allowed_from(now) > now:
            row.send_after = sms_allowed_from(now)  # held over a night it waited into
            row.save(update_fields=["send_after"])
            return "held"
        row.status = NotificationStatus.SENDING
        row.attempts += 1
        row.claimed_at = now
        row.save(update_fields=["status", "attempts", "claimed_at"])
    try:
        _render_once(row)
        reference = _send(row)
    except Exception as exc:
        log.warning("notification %s (%s) could not be sent: %s", row.pk, row.channel, type(exc).__name__)
        retry = row.attempts < MAX_ATTEMPTS
        # Only while the row is still this claim's: a send that took so long it was taken for
        # interrupted (and perhaps sent again meanwhile) must not undo what came after it.
        Notification.objects.filter(pk=row.pk, status=NotificationStatus.SENDING, attempts=row.attempts).update(
            status=NotificationStatus.PENDING if retry else NotificationStatus.FAILED,
            send_after=now + timedelta(minutes=5 * row.attempts),
            error=f"{type(exc).__name__}: {exc}"[:500],
        )
        return "retry" if retry else "failed"
    # Whatever happened meanwhile, this message went out: recorded as sent, it is never sent again.
    Notification.objects.filter(pk=row.pk).update(
        status=NotificationStatus.SENT, sent_at=clock.now(), gateway_reference=reference[:120], error=""
    )
    return "sent"


def _render_once(row: Notification) -> None:
    """A row recorded with its facts gets its text now, stored before it is sent: if the send is
    interrupted, the next one sends the same text (whoever rendered it first)."""
    if row.body:
        return
    row.subject, row.body, row.html_body = render(
        kind=row.kind, channel=row.channel, facts=event_facts.load(row.facts), language=row.language
    )
    text = {"subject": row.subject, "body": row.body, "html_body": row.html_body}
    if not Notification.objects.filter(pk=row.pk, body="").update(**text):
        row.refresh_from_db(fields=list(text))


def _send(row: Notification) -> str:
    if row.channel == Channel.EMAIL:
        message = EmailMultiAlternatives(
            subject=row.subject,
            body=row.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[row.recipient],
            headers={"Message-ID": message_id(row.key)},  # a resend is the same message
        )
        if row.html_body:
            message.attach_alternative(row.html_body, "text/html")
        message.send()
        return ""
    return get_gateway().send(to=row.recipient, text=row.body)


def deliver_many(notification_ids: list[int]) -> dict[str, int]:
    """Deliver each (a delivery job's notices); how many ended which way."""
    outcomes: dict[str, int] = {}
    for notification_id in notification_ids:
        outcome = deliver(notification_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def send_due(*, limit: int = 500) -> int:
    """Send what is due: SMS held for the morning, retries, sends that were interrupted, and notices
    whose delivery job has not sent them within DELIVERY_JOB_GRACE (a fresh notice is its job's)."""
    now = clock.now()
    release_interrupted(now=now)
    left_to_us = Q(attempts__gt=0) | Q(created_at__lte=now - DELIVERY_JOB_GRACE)
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, send_after__lte=now)
        .filter(left_to_us)
        .order_by("send_after", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for notification_id in ids if deliver(notification_id) == "sent")


def release_interrupted(*, now: datetime) -> int:
    """Sends claimed longer ago than stuck_after() died half-way (the claim counted as an attempt):
    they go out again now, or fail for good after MAX_ATTEMPTS. Better a message twice, recognisably
    the same, than a confirmation or a code never sent."""
    interrupted = Notification.objects.filter(status=NotificationStatus.SENDING, claimed_at__lte=now - stuck_after())
    given_up = interrupted.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=NotificationStatus.FAILED, error=f"interrupted while sending, {MAX_ATTEMPTS} times"
    )
    again = interrupted.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=NotificationStatus.PENDING, send_after=now, error="interrupted while sending; sent again"
    )
    if given_up or again:
        log.warning("%d interrupted notification sends released for sending again, %d failed", again, given_up)
    return again
