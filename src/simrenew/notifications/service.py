"""Sending e-mail and SMS in the recipient's language, always after the transaction commits."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from simrenew.notifications.sms import get_gateway


def render_email(*, template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """(subject, text, html) rendered from notifications/email/<template>.{subject,txt,html}."""
    with translation.override(language):
        subject = render_to_string(f"notifications/email/{template}.subject.txt", context).strip()
        text = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    return " ".join(subject.split()), text, html


def send_email_now(*, to: str, template: str, context: dict[str, Any], language: str) -> None:
    subject, text, html = render_email(template=template, context=context, language=language)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_sms_now(*, to: str, text: str) -> str:
    return get_gateway().send(to=to, text=text)


def after_commit(action: Callable[[], Any]) -> None:
    """Run a side effect only once the current transaction commits; a rollback sends nothing."""
    transaction.on_commit(action)
