"""Payments taken through a provider, and the inbox of provider webhooks."""

from django.conf import settings
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
    # When to ask the provider again while the order still awaits this payment (a webhook may never
    # come); null once the order is no longer waiting. Checks back off as the payment ages, so a bank
    # transfer open for days costs a few calls a day, not one a minute (orders.reconcile).
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~models.Q(provider_payment_id=""),
                name="uniq_provider_payment",
            )
        ]
        indexes = [
            # Only the payments still watched: the reconcile tick reads the due ones straight off it.
            models.Index(
                fields=["next_check_at"], condition=models.Q(next_check_at__isnull=False), name="payment_next_check"
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
        indexes = [
            models.Index(fields=["provider", "provider_payment_id"]),
            # The few rows not processed yet (the reconcile tick looks for ones left behind).
            models.Index(
                fields=["received_at"], condition=models.Q(processed_at__isnull=True), name="webhook_unprocessed"
            ),
        ]


class PaymentEvent(models.Model):
    provider = models.CharField(max_length=16)
    provider_payment_id = models.CharField(max_length=64)
    status = models.CharField(max_length=12)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_payment_id", "status"], name="uniq_payment_event")
        ]


class ProviderCustomer(models.Model):
    """Our customer's record at a payment provider (Mollie hangs mandates off it)."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=16)
    provider_customer_id = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "provider"], name="uniq_provider_customer"),
            models.UniqueConstraint(fields=["provider", "provider_customer_id"], name="uniq_provider_customer_id"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_customer_id}"


class MandateStatus(models.TextChoices):
    VALID = "valid", _("Active")
    REVOKED = "revoked", _("Removed")
    INVALID = "invalid", _("No longer valid")


class Mandate(models.Model):
    """A payment means the customer saved for later charges (auto-renew), created by a first
    payment they completed at the provider. Charges on it are recurring payments."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mandates")
    provider = models.CharField(max_length=16)
    provider_customer_id = models.CharField(max_length=64)
    provider_mandate_id = models.CharField(max_length=64)
    # Our payment method of the first payment (card, Bancontact, PayPal): what the customer chose,
    # used for the fee and shown on orders; the provider may charge it as another method (SEPA).
    method = models.CharField(max_length=16)
    label = models.CharField(max_length=80, blank=True)  # "Mastercard •••• 6787"
    status = models.CharField(max_length=8, choices=MandateStatus.choices, default=MandateStatus.VALID)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_mandate_id"], name="uniq_provider_mandate")
        ]

    def __str__(self) -> str:
        return self.label or f"{self.provider}:{self.provider_mandate_id}"
