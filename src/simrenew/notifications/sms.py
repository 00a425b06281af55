"""The SMS gateway interface; the dev outbox implementation is the embedded default."""

from typing import Protocol

from django.conf import settings

from simrenew.notifications.models import OutboxKind, OutboxMessage


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str) -> str: ...


class OutboxSmsGateway:
    """Stores the SMS in the dev outbox, shown at /dev/outbox/."""

    def send(self, *, to: str, text: str) -> str:
        message = OutboxMessage.objects.create(kind=OutboxKind.SMS, recipient=to, body=text)
        return f"outbox-{message.pk}"


def get_gateway() -> SmsGateway:
    if settings.SMS_GATEWAY == "outbox":
        return OutboxSmsGateway()
    if settings.SMS_GATEWAY.startswith(("smpp://", "smpps://")):
        from simrenew.notifications.smpp import SmppSmsGateway

        return SmppSmsGateway(settings.SMS_GATEWAY)
    raise RuntimeError(f"unknown SMS_GATEWAY {settings.SMS_GATEWAY!r}")
