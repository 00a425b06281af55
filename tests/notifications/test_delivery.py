"""notifications.delivery: one message per event, channel and recipient; in the recipient's language;
channels by the customer's preferences; marketing only with consent; no SMS at night."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import translation

from simrenew.notifications import delivery, preferences
from simrenew.notifications.delivery import Person
from simrenew.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationStatus,
    OutboxKind,
    OutboxMessage,
)
from tests.factories import create_brand, create_bundle, create_customer, create_line

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


def brussels(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


@pytest.fixture
def line():
    return create_line(create_brand(code="acme", name="Acme Mobile"), msisdn="+32470111222")


@pytest.fixture
def tell(django_capture_on_commit_callbacks):
    """notify() in its own transaction, sending what it leaves for after commit."""

    def tell(line, people, *, kind=NotificationKind.EXPIRED, key="expired:1", **facts):
        facts.setdefault(
            "product", create_bundle(line.brand, names={"en": "Acme 15", "nl": "Acme 15 NL", "zh-hans": "Acme 15 中"})
        )
        facts.setdefault("ends_at", brussels("2026-05-01T10:00:00"))
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            return delivery.notify(kind=kind, event_key=key, line=line, people=people, facts=facts)

    return tell


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        ("2026-05-04T08:00:00", "2026-05-04T08:00:00"),
        ("2026-05-04T20:59:59", "2026-05-04T20:59:59"),
        ("2026-05-04T21:00:00", "2026-05-05T08:00:00"),
        ("2026-05-04T23:30:00", "2026-05-05T08:00:00"),
        ("2026-05-05T03:10:00", "2026-05-05T08:00:00"),
        ("2026-05-05T07:59:59", "2026-05-05T08:00:00"),
        # Summer time starts in the night of 28-29 March 2026: 08:00 is still 08:00 in Brussels.
        ("2026-03-28T22:00:00", "2026-03-29T08:00:00"),
    ],
)
def test_sms_are_held_between_21_and_8_brussels_time(at, allowed):
    assert delivery.sms_allowed_from(brussels(at)) == brussels(allowed)


def test_an_event_is_told_once_by_email_and_sms_in_the_customers_language(line, time_machine, tell):
    time_machine.move_to(brussels("2026-04-30T10:00:00"), tick=False)
    jan = create_customer(email="jan@example.be", language="nl")
    mei = create_customer(email="mei@example.be", language="zh-hans")
    people = [Person(jan.pk, jan.email, "nl"), Person(mei.pk, mei.email, "zh-hans")]

    created = tell(line, people)
    again = tell(line, people)

    assert again == []
    assert sorted((n.channel, n.recipient, n.language) for n in created) == [
        ("email", "jan@example.be", "nl"),
        ("email", "mei@example.be", "zh-hans"),
        ("sms", "+32470111222", "nl"),  # the SMS goes to the line, in its first customer's language
    ]
    # Sent after commit (immediate task backend in tests), each once.
    assert OutboxMessage.objects.filter(kind=OutboxKind.EMAIL).count() == 2
    assert OutboxMessage.objects.filter(kind=OutboxKind.SMS).count() == 1
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    with translation.override("nl"):
        subject = translation.gettext("Your bundle %(product)s has ended") % {"product": "Acme 15 NL"}
    assert OutboxMessage.objects.get(recipient="jan@example.be").subject == subject
    chinese = OutboxMessage.objects.get(recipient="mei@example.be")
    assert "Acme 15 中" in chinese.subject
    assert "2026" in chinese.body and "Acme Mobile" in chinese.body
    sms = OutboxMessage.objects.get(kind=OutboxKind.SMS)
    assert sms.recipient == "+32470111222" and "Acme 15 NL" in sms.body


def test_a_night_event_sends_the_email_now_and_the_sms_at_eight(line, time_machine, tell):
    time_machine.move_to(brussels("2026-04-30T22:15:00"), tick=False)
    customer = create_customer(email="late@example.be")
    tell(line, [Person(customer.pk, customer.email, "en")])
    assert OutboxMessage.objects.filter(kind=OutboxKind.EMAIL).count() == 1
    assert OutboxMessage.objects.filter(kind=OutboxKind.SMS).count() == 0
    held = Notification.objects.get(channel=Channel.SMS)
    assert (held.status, held.send_after) == (NotificationStatus.PENDING, brussels("2026-05-01T08:00:00"))

    time_machine.move_to(brussels("2026-05-01T07:59:00"), tick=False)
    assert delivery.send_due() == 0
    time_machine.move_to(brussels("2026-05-01T08:00:30"), tick=False)
    assert delivery.send_due() == 1
    assert delivery.send_due() == 0
    assert OutboxMessage.objects.filter(kind=OutboxKind.SMS).count() == 1


def test_preferences_choose_the_channels_per_kind(line, time_machine, tell):
    time_machine.move_to(brussels("2026-04-30T10:00:00"), tick=False)
    customer = create_customer(email="quiet@example.be")
    preferences.set_preferences(
        customer_id=customer.pk,
        choices={NotificationKind.EXPIRED: (False, True), NotificationKind.LOW_CREDIT: (True, False)},
    )
    person = [Person(customer.pk, customer.email, "en")]
    assert [n.channel for n in tell(line, person, key="e:1")] == [Channel.SMS]
    assert [n.channel for n in tell(line, person, kind=NotificationKind.LOW_CREDIT, key="l:1", balance_amount=10)] == [
        Channel.EMAIL
    ]
    # Kinds never chosen follow the defaults (80 % data: SMS only).
    assert [n.channel for n in tell(line, person, kind=NotificationKind.DATA_80, key="d:1", data_left_mb=100)] == [
        Channel.SMS
    ]
    assert preferences.preferences_of(customer.pk)[NotificationKind.EXPIRED] == (False, True)


def test_marketing_needs_consent_which_is_off_by_default(line, time_machine, tell):
    time_machine.move_to(brussels("2026-04-30T10:00:00"), tick=False)
    customer = create_customer(email="offers@example.be")
    person = [Person(customer.pk, customer.email, "en")]
    facts = {"subject": "Double data", "text": "Double data this weekend"}
    assert preferences.marketing_consent(customer.pk) == (False, False)
    assert tell(line, person, kind=NotificationKind.MARKETING, key="m:1", **facts) == []
    preferences.set_marketing_consent(customer_id=customer.pk, email=True, sms=False)
    assert [n.channel for n in tell(line, person, kind=NotificationKind.MARKETING, key="m:2", **facts)] == [
        Channel.EMAIL
    ]
    # A line without any customer never gets marketing, whatever the defaults say.
    assert tell(line, [], kind=NotificationKind.MARKETING, key="m:3", **facts) == []


def test_a_rollback_records_and_sends_nothing(line, django_capture_on_commit_callbacks):
    customer = create_customer()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        delivery.notify(
            kind=NotificationKind.LOW_CREDIT,
            event_key="low:x",
            line=line,
            people=[Person(customer.pk, customer.email, "en")],
            facts={"balance_amount": 10},
        )
        raise RuntimeError("the caller failed after notifying")
    assert Notification.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def interrupted(line, *, channel=Channel.EMAIL, attempts=1, claimed_at="2026-04-30T10:00:00") -> Notification:
    """A row a sender claimed at `claimed_at` and died while sending (its claim counted as an attempt)."""
    at = brussels(claimed_at)
    recipient = "jan@example.be" if channel == Channel.EMAIL else line.msisdn
    return Notification.objects.create(
        key=f"low:9|{channel}|x",
        event_key="low:9",
        kind=NotificationKind.LOW_CREDIT,
        channel=channel,
        recipient=recipient,
        line=line,
        subject="Low credit" if channel == Channel.EMAIL else "",
        body="Your credit is low",
        status=NotificationStatus.SENDING,
        attempts=attempts,
        claimed_at=at,
        send_after=at,
        created_at=at,
    )


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.SMS])
def test_a_send_interrupted_half_way_is_sent_again_once(line, time_machine, channel):
    row = interrupted(line, channel=channel)

    time_machine.move_to(brussels("2026-04-30T10:04:59"), tick=False)
    assert delivery.send_due() == 0  # within NOTIFICATION_STUCK_AFTER_SECONDS: maybe still sending
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.SENDING
    assert OutboxMessage.objects.count() == 0

    time_machine.move_to(brussels("2026-04-30T10:05:00"), tick=False)
    assert delivery.send_due() == 1
    assert delivery.send_due() == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == (NotificationStatus.SENT, 2, "")
    assert OutboxMessage.objects.filter(kind=channel).count() == 1
    assert delivery.deliver(row.pk) == "not_due"
    assert OutboxMessage.objects.count() == 1


def test_how_long_a_send_may_take_is_a_setting(line, time_machine, settings):
    settings.NOTIFICATION_STUCK_AFTER_SECONDS = 60
    row = interrupted(line)
    time_machine.move_to(brussels("2026-04-30T10:00:59"), tick=False)
    assert delivery.send_due() == 0
    time_machine.move_to(brussels("2026-04-30T10:01:00"), tick=False)
    assert delivery.send_due() == 1
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.SENT


def test_a_send_interrupted_on_its_last_attempt_fails_for_good(line, time_machine):
    row = interrupted(line, attempts=delivery.MAX_ATTEMPTS)
    time_machine.move_to(brussels("2026-04-30T11:00:00"), tick=False)
    assert delivery.send_due() == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.FAILED, delivery.MAX_ATTEMPTS)
    assert row.error == f"interrupted while sending, {delivery.MAX_ATTEMPTS} times"
    assert OutboxMessage.objects.count() == 0


def test_a_row_recorded_as_sent_is_never_sent_again(line, time_machine, tell):
    time_machine.move_to(brussels("2026-04-30T10:00:00"), tick=False)
    customer = create_customer(email="once@example.be")
    created = tell(
        line, [Person(customer.pk, customer.email, "en")], kind=NotificationKind.LOW_CREDIT, balance_amount=10
    )
    assert {row.status for row in Notification.objects.all()} == {NotificationStatus.SENT}
    sent_before = OutboxMessage.objects.count()
    assert sent_before == len(created) == 2

    time_machine.move_to(brussels("2026-05-07T10:00:00"), tick=False)  # long after: due, claimed long ago
    assert delivery.send_due() == 0
    assert [delivery.deliver(row.pk) for row in created] == ["not_due", "not_due"]
    assert OutboxMessage.objects.count() == sent_before


def test_a_slow_send_that_fails_after_being_taken_over_changes_nothing(line, time_machine, monkeypatch):
    time_machine.move_to(brussels("2026-04-30T10:00:00"), tick=False)
    row = interrupted(line, attempts=0)
    Notification.objects.filter(pk=row.pk).update(status=NotificationStatus.PENDING)

    def slow_then_failing(notification: Notification) -> str:
        # Meanwhile the send was taken for interrupted and another sender claimed it again.
        Notification.objects.filter(pk=notification.pk).update(attempts=2)
        raise ConnectionError("the server hung up")

    monkeypatch.setattr(delivery, "_send", slow_then_failing)
    assert delivery.deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == (NotificationStatus.SENDING, 2, "")


def test_every_kind_renders_in_every_language(line):
    product = create_bundle(line.brand)
    facts = {
        "product": product,
        "ends_at": brussels("2026-05-01T10:00:00"),
        "starts_at": brussels("2026-04-01T10:00:00"),
        "retry_at": brussels("2026-05-02T10:00:00"),
        "credit_expires_at": brussels("2026-06-01T10:00:00"),
        "grace_ends_at": brussels("2026-07-01T10:00:00"),
        "price_amount": 1500,
        "total_amount": 1500,
        "balance_amount": 120,
        "data_left_mb": 512,
        "brand": "Acme Mobile",
        "msisdn": line.msisdn,
        "order_number": "SR-TEST",
        "receipt_number": "R-TEST",
        "receipt_code": "ABC",
        "text": "Double data this weekend",
    }
    for kind in NotificationKind.values:
        for language in ("zh-hans", "en", "nl", "fr", "de"):
            for channel in (Channel.EMAIL, Channel.SMS):
                subject, body, html = delivery.render(kind=kind, channel=channel, facts=facts, language=language)
                assert body.strip(), (kind, language, channel)
                assert "%(" not in subject + body + html, (kind, language, channel)
    for reason in ("no_funds", "payment_failed", "spending_cap", "product_unavailable", "other"):
        _, text, _ = delivery.render(
            kind=NotificationKind.AUTO_RENEW_FAILED,
            channel=Channel.SMS,
            facts={**facts, "reason": reason},
            language="en",
        )
        assert "Acme Mobile" in text
