"""E-mail over real SMTP: an aiosmtpd server on 127.0.0.1 receives what send_email_now sends."""

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.utils import translation
from django.utils.translation import gettext

from simrenew.notifications.service import send_email_now
from simrenew.settings import mailer_from_url

LINK = "https://renew.example.com/en/verify-email/MQ/abc-123/"


class RecordingHandler:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings) -> Iterator[RecordingHandler]:
    handler = RecordingHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {"default": mailer_from_url(f"smtp://127.0.0.1:{port}")}
    settings.DEFAULT_FROM_EMAIL = "simrenew <no-reply@simrenew.example>"
    try:
        yield handler
    finally:
        controller.stop()


def _parts(message: EmailMessage) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_verification_email_over_smtp(smtp_server):
    # when the verification e-mail is sent in English
    send_email_now(to="jan@example.be", template="verify_email", context={"link": LINK}, language="en")
    # then the SMTP server received one message with both a text and an HTML part
    assert len(smtp_server.messages) == 1
    mail_from, recipients, message = smtp_server.messages[0]
    assert mail_from == "no-reply@simrenew.example"
    assert recipients == ["jan@example.be"]
    assert message["To"] == "jan@example.be"
    assert message["From"] == "simrenew <no-reply@simrenew.example>"
    assert message["Subject"] == "Verify your e-mail address for simrenew"
    assert message.get_content_type() == "multipart/alternative"
    text, html = _parts(message)
    assert "Please confirm that this is your e-mail address by opening this link:" in text
    assert LINK in text
    assert f'<a href="{LINK}">' in html
    assert "Verify my e-mail address" in html


@pytest.mark.parametrize("language", ["nl", "fr", "de", "zh-hans"])
def test_verification_email_over_smtp_in_the_recipients_language(smtp_server, language):
    send_email_now(to="an@example.be", template="verify_email", context={"link": LINK}, language=language)
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
