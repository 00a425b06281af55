"""The dev outbox (e-mails and SMS captured in the database instead of leaving the machine), and the
notifications sent to customers with their channel preferences and marketing consent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class OutboxMessage(models.Model):
    kind = models.CharField(max_length=8, choices=OutboxKind.choices, verbose_name=_("kind"))
    recipient = models.CharField(max_length=254, verbose_name=_("recipient"))
    subject = models.CharField(max_length=255, blank=True, verbose_name=_("subject"))
    body = models.TextField(verbose_name=_("text"))
    html_body = models.TextField(blank=True, verbose_name=_("HTML text"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}"


class NotificationKind(models.TextChoices):
    EXPIRING_SOON = "expiring_soon", _("Bundle ending soon")
    EXPIRED = "expired", _("Bundle ended")
    RENEWED = "renewed", _("Bundle renewed")
    AUTO_RENEW_FAILED = "auto_renew_failed", _("Automatic renewal failed")
    LOW_CREDIT = "low_credit", _("Low credit")
    DATA_80 = "data_80", _("Data nearly used up (80%)")
    DATA_100 = "data_100", _("All data used")
    CREDIT_ENDING = "credit_ending", _("Credit validity ending")
    LINE_GRACE = "line_grace", _("Credit validity ended (receive only)")
    LINE_SUSPENDED = "line_suspended", _("Line suspended")
    MARKETING = "marketing", _("Offers and promotions")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    # Claimed by a sender. One still sending after NOTIFICATION_STUCK_AFTER_SECONDS was interrupted
    # (the process died) and goes back to PENDING: better the same message twice than none.
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")  # final: never sent again
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message about one event to one recipient on one channel, sent once (again only if a send
    was interrupted before its outcome was recorded, then as the same message).

    `key` is unique: the same event (`event_key`, e.g. `expiring:{period}:7`) notified twice makes no
    second row, so whatever job runs twice, a customer hears about it once.
    """

    # Unique and indexed by Meta's constraint and index, not unique=True and db_index=True: on PostgreSQL
    # those add a second index each for LIKE, which nothing asks, and every notice would write to both.
    key = models.CharField(max_length=200, verbose_name=_("key"))
    event_key = models.CharField(max_length=160, verbose_name=_("event key"))
    kind = models.CharField(max_length=24, choices=NotificationKind.choices, verbose_name=_("kind"))
    channel = models.CharField(max_length=8, choices=Channel.choices, verbose_name=_("channel"))
    recipient = models.CharField(max_length=254, verbose_name=_("recipient"))  # an e-mail address or an E.164 number
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        verbose_name=_("customer"),
    )
    line = models.ForeignKey(
        "lines.Line", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("line")
    )
    language = models.CharField(max_length=8, default="en", verbose_name=_("language"))
    # The event's facts (notifications.facts): the text is rendered from them by the first send and
    # kept below, so that a send again after an interruption is the same message. Empty text: not yet.
    facts = models.JSONField(default=dict, blank=True, verbose_name=_("facts"))
    subject = models.CharField(max_length=255, blank=True, verbose_name=_("subject"))
    body = models.TextField(blank=True, verbose_name=_("text"))
    html_body = models.TextField(blank=True, verbose_name=_("HTML text"))
    status = models.CharField(
        max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING, verbose_name=_("status")
    )
    # SMS are held until 08:00 Brussels time when the event comes at night.
    send_after = models.DateTimeField(verbose_name=_("send after"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    claimed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("claimed at")
    )  # when a sender took it (stuck detection)
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))
    gateway_reference = models.CharField(max_length=120, blank=True, verbose_name=_("gateway reference"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "send_after"]),
            models.Index(fields=["event_key"], name="notification_event_key"),
        ]
        constraints = [models.UniqueConstraint(fields=["key"], name="notification_key_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} to {self.recipient}"


class NotificationPreference(models.Model):
    """A customer's choice of channels for one kind of message (defaults apply without a row)."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices, verbose_name=_("kind"))
    email = models.BooleanField(verbose_name=_("by e-mail"))
    sms = models.BooleanField(verbose_name=_("by SMS"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["customer", "kind"], name="uniq_preference_kind")]


class MarketingConsent(models.Model):
    """Consent to offers by e-mail or SMS: separate from service messages and off until given."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    email = models.BooleanField(default=False, verbose_name=_("by e-mail"))
    sms = models.BooleanField(default=False, verbose_name=_("by SMS"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("marketing consent")
        verbose_name_plural = _("marketing consents")
