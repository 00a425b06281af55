"""Prepaid lines (SIM + number) and the bundle periods they consume."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from simrenew.brands.models import Brand
from simrenew.kit.phone import format_msisdn, mask_msisdn


class LineStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    GRACE = "grace", _("Grace period (receive only)")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


class IdentityStatus(models.TextChoices):
    UNIDENTIFIED = "unidentified", _("Not identified")
    IDENTIFIED = "identified", _("Identified")


class Line(models.Model):
    # E.164, validated as a Belgian mobile number (kit.phone.normalize_msisdn).
    msisdn = models.CharField(max_length=16, unique=True)
    iccid = models.CharField(max_length=20, unique=True)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="lines")
    status = models.CharField(max_length=12, choices=LineStatus.choices, default=LineStatus.ACTIVE)
    identity_status = models.CharField(
        max_length=16, choices=IdentityStatus.choices, default=IdentityStatus.UNIDENTIFIED
    )
    activated_at = models.DateTimeField()
    # Paid credit may be used until this moment; a top-up pushes it to now + the brand's validity.
    credit_expires_at = models.DateTimeField(null=True, blank=True)
    auto_renew = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["brand", "status"])]

    def __str__(self) -> str:
        return self.masked

    @property
    def display(self) -> str:
        return format_msisdn(self.msisdn)

    @property
    def masked(self) -> str:
        return mask_msisdn(self.msisdn)

    @property
    def credit_account_code(self) -> str:
        return f"line:{self.pk}:credit"

    @property
    def bonus_account_code(self) -> str:
        return f"line:{self.pk}:bonus"


class PeriodStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")


class BundlePeriod(models.Model):
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="periods")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    # The order that bought it; one period per order (exactly-once fulfilment).
    order_id = models.BigIntegerField(null=True, blank=True, unique=True)
    status = models.CharField(max_length=8, choices=PeriodStatus.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # Remaining allowances; NULL means unlimited.
    data_mb_left = models.PositiveIntegerField(null=True, blank=True)
    voice_minutes_left = models.PositiveIntegerField(null=True, blank=True)
    sms_left = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["line", "status", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.line_id} {self.product_id} {self.starts_at:%Y-%m-%d}→{self.ends_at:%Y-%m-%d}"

    @property
    def is_exhausted(self) -> bool:
        """Used up: the data allowance is gone, or every limited allowance is."""
        if self.data_mb_left == 0:
            return True
        limited = [v for v in (self.data_mb_left, self.voice_minutes_left, self.sms_left) if v is not None]
        return bool(limited) and all(v == 0 for v in limited)
