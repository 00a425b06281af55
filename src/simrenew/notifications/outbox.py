"""A Django e-mail backend that stores messages in the dev outbox (embedded default)."""

from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives

from simrenew.notifications.models import OutboxKind, OutboxMessage


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                for content, mimetype in message.alternatives:
                    if mimetype == "text/html":
                        html = str(content)
            for recipient in message.recipients():
                OutboxMessage.objects.create(
                    kind=OutboxKind.EMAIL,
                    recipient=recipient,
                    subject=str(message.subject),
                    body=str(message.body),
                    html_body=html,
                )
                sent += 1
        return sent
