"""Payments taken through a provider, and the inbox of provider webhooks."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    AUTHORIZED = "authorized", _("Authorized")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")


class Payment(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=16)
    provider_payment_id = models.CharField(max_length=64, blank=True)
    method = models.CharField(max_length=16)
    amount = models.BigIntegerField()
    fee_amount = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.OPEN)
    checkout_url = models.URLField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~models.Q(provider_payment_id=""),
                name="uniq_provider_payment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_payment_id or self.pk}"


class WebhookInbox(models.Model):
    """Every webhook call as received. Mollie's carry only the payment id and are not signed,
    so the handler job fetches the real status; the status it finds is recorded in
    PaymentEvent, which is unique per (provider, payment id, status)."""

    provider = models.CharField(max_length=16)
    provider_payment_id = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [models.Index(fields=["provider", "provider_payment_id"])]


class PaymentEvent(models.Model):
    provider = models.CharField(max_length=16)
    provider_payment_id = models.CharField(max_length=64)
    status = models.CharField(max_length=12)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_payment_id", "status"], name="uniq_payment_event")
        ]
