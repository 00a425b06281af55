"""E-mail over real SMTP: an aiosmtpd server on 127.0.0.1 receives what send_email_now and the
notification sender send, each message with a Message-ID derived from our own key."""

import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.translation import gettext

from simrenew.notifications import delivery
from simrenew.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from simrenew.notifications.service import message_id, send_email_now
from simrenew.settings import mailer_from_url
from tests.factories import create_line

LINK = "https://renew.example.com/en/verify-email/MQ/abc-123/"


def _parts(message: EmailMessage) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_verification_email_over_smtp(smtp_server):
    # when the verification e-mail is sent in English
    send_email_now(
        to="jan@example.be", template="verify_email", context={"link": LINK}, language="en", message_key="verify:1"
    )
    # then the SMTP server received one message with both a text and an HTML part
    assert len(smtp_server.messages) == 1
    mail_from, recipients, message = smtp_server.messages[0]
    assert mail_from == "no-reply@simrenew.example"
    assert recipients == ["jan@example.be"]
    assert message["To"] == "jan@example.be"
    assert message["From"] == "simrenew <no-reply@simrenew.example>"
    assert message["Subject"] == "Verify your e-mail address for simrenew"
    assert message["Message-ID"] == message_id("verify:1")
    assert message.get_content_type() == "multipart/alternative"
    text, html = _parts(message)
    assert "Please confirm that this is your e-mail address by opening this link:" in text
    assert LINK in text
    assert f'<a href="{LINK}">' in html
    assert "Verify my e-mail address" in html


@pytest.mark.parametrize("language", ["nl", "fr", "de", "zh-hans"])
def test_verification_email_over_smtp_in_the_recipients_language(smtp_server, language):
    send_email_now(
        to="an@example.be", template="verify_email", context={"link": LINK}, language=language, message_key="verify:2"
    )
    _, _, message = smtp_server.messages[0]
    with translation.override(language):
        subject = gettext("Verify your e-mail address for simrenew")
        button = gettext("Verify my e-mail address")
    assert message["Subject"] == subject
    text, html = _parts(message)
    assert LINK in text
    assert button in html
    # sending does not change the active language of the caller
    assert translation.get_language() == "en"


def test_mailer_from_url_reads_every_supported_form():
    assert mailer_from_url("outbox://") == {"BACKEND": "simrenew.notifications.outbox.OutboxEmailBackend"}
    plain = mailer_from_url("smtp://mail.example.com")["OPTIONS"]
    assert (plain["host"], plain["port"], plain["use_ssl"], plain["use_tls"]) == ("mail.example.com", 25, False, False)
    tls = mailer_from_url("smtp://u%40x:p%2Fw@mail.example.com:587?tls=1")["OPTIONS"]
    assert (tls["port"], tls["use_tls"], tls["username"], tls["password"]) == (587, True, "u@x", "p/w")
    assert mailer_from_url("smtp+tls://mail.example.com:587")["OPTIONS"]["use_tls"] is True
    ssl = mailer_from_url("smtps://mail.example.com")["OPTIONS"]
    assert (ssl["port"], ssl["use_ssl"], ssl["use_tls"]) == (465, True, False)
    with pytest.raises(RuntimeError, match="unsupported scheme 'http'"):
        mailer_from_url("http://mail.example.com")


def test_the_message_id_is_derived_from_our_key_and_reveals_nothing_of_it(settings):
    settings.DEFAULT_FROM_EMAIL = "Acme Mobile <no-reply@acme.example>"
    first = message_id("order:123:confirmation")
    assert first == message_id("order:123:confirmation")
    assert first != message_id("order:124:confirmation")
    assert re.fullmatch(r"<[0-9a-f]{32}@acme\.example>", first)
    assert "123" not in first.split("@")[0]
    settings.EMAIL_MESSAGE_ID_DOMAIN = "mail.renew.example"
    assert message_id("order:123:confirmation").endswith("@mail.renew.example>")


def test_the_same_key_sends_the_same_message_id(smtp_server):
    for key in ("order:7:confirmation", "order:7:confirmation", "order:8:confirmation"):
        send_email_now(
            to="jan@example.be", template="verify_email", context={"link": LINK}, language="en", message_key=key
        )
    assert smtp_server.message_ids() == [
        message_id("order:7:confirmation"),
        message_id("order:7:confirmation"),
        message_id("order:8:confirmation"),
    ]


class Killed(BaseException):
    """The process died (nothing catches a BaseException, as nothing catches SIGKILL)."""


@pytest.mark.django_db
def test_an_email_interrupted_after_it_went_out_is_sent_again_as_the_same_message(
    smtp_server, time_machine, monkeypatch
):
    start = datetime(2026, 5, 4, 10, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    time_machine.move_to(start, tick=False)
    row = Notification.objects.create(
        key="low:42|email|7",
        event_key="low:42",
        kind=NotificationKind.LOW_CREDIT,
        channel=Channel.EMAIL,
        recipient="jan@example.be",
        line=create_line(),
        subject="Your credit is low",
        body="Top up soon.",
        send_after=start,
        created_at=start,
    )
    send = delivery._send

    def sent_then_killed(notification: Notification) -> str:
        send(notification)  # the server has the message...
        raise Killed  # ...and the process dies before recording it

    monkeypatch.setattr(delivery, "_send", sent_then_killed)
    with pytest.raises(Killed):
        delivery.deliver(row.pk)
    monkeypatch.setattr(delivery, "_send", send)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENDING, 1)

    time_machine.move_to(start + timedelta(minutes=4), tick=False)
    assert delivery.send_due() == 0  # may still be sending: left alone
    time_machine.move_to(start + timedelta(minutes=5), tick=False)
    assert delivery.send_due() == 1
    assert delivery.send_due() == 0

    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (NotificationStatus.SENT, 2, start + timedelta(minutes=5))
    assert smtp_server.message_ids() == [message_id("low:42|email|7")] * 2
    assert [message["Subject"] for _, _, message in smtp_server.messages] == ["Your credit is low"] * 2
