"""Notifying customers: one row per event, channel and recipient (so each event is told once),
rendered in the recipient's language, e-mailed at once and texted outside 21:00 to 08:00 Brussels time.

`notify` records the messages in the caller's transaction and sends them after it commits; the
scheduler's `send_due` sends what was held for the morning, failed for a while, or was interrupted.

At least once, and recognisably once: a send interrupted before its outcome was recorded (the process
died) is sent again, as the same message (e-mails carry a Message-ID derived from the row's key); a
row recorded as sent is never sent again.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from simrenew.kit import clock
from simrenew.lines.models import Line
from simrenew.notifications import kinds
from simrenew.notifications.models import Channel, Notification, NotificationStatus
from simrenew.notifications.preferences import channels_for
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
    """Record the messages about one event for a line, once, and send them after commit.

    E-mails go to each person who wants this kind by e-mail (except addresses in `skip_emails`,
    which already got this news another way, e.g. an order's receipt); one SMS goes to the line
    itself, in the language and by the choice of the line's first person (defaults without one).
    Returns the rows created now (none when the event was notified before).
    """
    now = clock.now()
    facts = {"brand": line.brand.name, "msisdn": line.msisdn, **facts}
    created: list[Notification] = []
    for person in people:
        if Channel.EMAIL not in channels_for(customer_id=person.customer_id, kind=kind) or not person.email:
            continue
        if person.email.lower() in skip_emails:
            continue
        created += _record(
            key=f"{event_key}|email|{person.customer_id}",
            event_key=event_key,
            kind=kind,
            channel=Channel.EMAIL,
            recipient=person.email,
            customer_id=person.customer_id,
            line=line,
            language=person.language,
            facts=facts,
            send_after=now,
        )
    holder = people[0] if people else None
    sms_wanted = Channel.SMS in channels_for(customer_id=holder.customer_id if holder else None, kind=kind)
    if sms_wanted:
        created += _record(
            key=f"{event_key}|sms|line",
            event_key=event_key,
            kind=kind,
            channel=Channel.SMS,
            recipient=line.msisdn,
            customer_id=holder.customer_id if holder else None,
            line=line,
            language=holder.language if holder else settings.LANGUAGE_CODE,
            facts=facts,
            send_after=sms_allowed_from(now),
        )
    due = [row.pk for row in created if row.send_after <= now]
    if due:
        transaction.on_commit(lambda: _enqueue(due))
    return created


def _enqueue(ids: list[int]) -> None:
    from simrenew.notifications.tasks import deliver_notification

    for notification_id in ids:
        deliver_notification.enqueue(notification_id)


def _record(
    *,
    key: str,
    event_key: str,
    kind: str,
    channel: str,
    recipient: str,
    customer_id: int | None,
    line: Line,
    language: str,
    facts: dict[str, Any],
    send_after: datetime,
) -> list[Notification]:
    if Notification.objects.filter(key=key).exists():
        return []
    subject, body, html = render(kind=kind, channel=channel, facts=facts, language=language)
    try:
        with transaction.atomic():
            row = Notification.objects.create(
                key=key,
                event_key=event_key,
                kind=kind,
                channel=channel,
                recipient=recipient,
                customer_id=customer_id,
                line=line,
                language=language,
                subject=subject,
                body=body,
                html_body=html,
                send_after=send_after,
                created_at=clock.now(),
            )
    except IntegrityError:
        return []  # recorded by a concurrent run of the same job
    return [row]


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


def send_due(*, limit: int = 500) -> int:
    """Send what is due: SMS held for the morning, retries, and sends that were interrupted."""
    now = clock.now()
    release_interrupted(now=now)
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, send_after__lte=now)
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
