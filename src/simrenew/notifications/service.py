"""Sending e-mail and SMS in the recipient's language, always after the transaction commits."""

from collections.abc import Callable
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import DNS_NAME, EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import salted_hmac

from simrenew.notifications.sms import get_gateway


def message_id(key: str) -> str:
    """The Message-ID of the e-mail about `key` (a notification's key, `order:{id}:confirmation`).

    Derived from our own key, so a message sent again after an interrupted send carries the same id
    and the receiving server and mail program can tell it is the same message. Keyed with SECRET_KEY:
    the id reveals nothing of our ids. The domain is EMAIL_MESSAGE_ID_DOMAIN, else the sender's.
    """
    digest = salted_hmac("simrenew.notifications.message_id", key, algorithm="sha256").hexdigest()[:32]
    domain = (
        getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    )
    return f"<{digest}@{domain or DNS_NAME}>"


def render_email(*, template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """(subject, text, html) rendered from notifications/email/<template>.{subject,txt,html}."""
    with translation.override(language):
        subject = render_to_string(f"notifications/email/{template}.subject.txt", context).strip()
        text = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    return " ".join(subject.split()), text, html


def send_email_now(*, to: str, template: str, context: dict[str, Any], language: str, message_key: str) -> None:
    """Send at once; `message_key` names the message (see message_id): the same key, the same message."""
    subject, text, html = render_email(template=template, context=context, language=language)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id(message_key)},
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_sms_now(*, to: str, text: str) -> str:
    return get_gateway().send(to=to, text=text)


def after_commit(action: Callable[[], Any]) -> None:
    """Run a side effect only once the current transaction commits; a rollback sends nothing."""
    transaction.on_commit(action)
