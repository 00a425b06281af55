"""The dev outbox: e-mails and SMS captured in the database instead of leaving the machine."""

from django.db import models


class OutboxKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class OutboxMessage(models.Model):
    kind = models.CharField(max_length=8, choices=OutboxKind.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}"
