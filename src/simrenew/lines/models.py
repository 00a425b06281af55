"""Prepaid lines (SIM + number) and the bundle periods they consume."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from simrenew.brands.models import Brand
from simrenew.kit.phone import format_msisdn, mask_msisdn


class LineStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    GRACE = "grace", _("Grace period (receive only)")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    # The number moved to another operator: the line here is over, as if terminated.
    PORTED_OUT = "ported_out", _("Ported out")


# Statuses after which the line is never used again (nothing is sold to it; leftover credit may be paid back).
ENDED_STATUSES = frozenset({LineStatus.TERMINATED, LineStatus.PORTED_OUT})


class IdentityStatus(models.TextChoices):
    UNIDENTIFIED = "unidentified", _("Not identified")
    IDENTIFIED = "identified", _("Identified")


class Line(models.Model):
    # E.164, validated as a Belgian mobile number (kit.phone.normalize_msisdn).
    msisdn = models.CharField(max_length=16, unique=True, verbose_name=_("mobile number"))
    iccid = models.CharField(max_length=20, unique=True, verbose_name=_("SIM card number (ICCID)"))
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="lines", verbose_name=_("brand"))
    status = models.CharField(
        max_length=12, choices=LineStatus.choices, default=LineStatus.ACTIVE, verbose_name=_("status")
    )
    identity_status = models.CharField(
        max_length=16,
        choices=IdentityStatus.choices,
        default=IdentityStatus.UNIDENTIFIED,
        verbose_name=_("identity status"),
    )
    activated_at = models.DateTimeField(verbose_name=_("activated at"))
    # Paid credit may be used until this moment; a top-up or a renewal pushes it to now + the brand's
    # validity. When it passes, the line goes into grace (receive only), then is suspended.
    credit_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("credit valid until"))
    # When the status last changed (grace started, suspended, reactivated).
    status_changed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("status changed at"))
    # The customer's switch; renewals decides how (credit, then a saved payment method).
    auto_renew = models.BooleanField(default=False, verbose_name=_("auto-renew"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        indexes = [
            models.Index(fields=["brand", "status"]),
            # The lifecycle's ranges, walked in order of validity: lapsing (active), grace ending (the
            # brand in the index, so other brands' lines are passed over without reading them),
            # validity reminders.
            models.Index(fields=["status", "credit_expires_at", "brand"], name="line_status_validity"),
        ]

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
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="periods", verbose_name=_("line"))
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    # The order that bought it; one period per order (exactly-once fulfilment).
    order_id = models.BigIntegerField(null=True, blank=True, unique=True, verbose_name=_("order"))
    status = models.CharField(max_length=8, choices=PeriodStatus.choices, verbose_name=_("status"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    # Remaining allowances; NULL means unlimited.
    data_mb_left = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("data left (MB)"))
    voice_minutes_left = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("call minutes left"))
    sms_left = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("SMS left"))
    # Data carried over from the previous period (products whose allowances roll over); the
    # period's data allowance is the product's plus this.
    rollover_data_mb = models.PositiveIntegerField(default=0, verbose_name=_("data rolled over (MB)"))
    # The highest data-use warning already given for this period: 0, 80 or 100 (% used).
    data_alert_level = models.PositiveSmallIntegerField(default=0, verbose_name=_("data alert level"))
    # The data left (MB) at or below which the next warning is due: a fifth of the allowance before
    # the 80 % one, 0 before the 100 % one, NULL once both were given or when data is unlimited. Kept
    # with the allowance (lines.service) so that "which periods need a warning" is an indexed
    # comparison of two columns, not a computation over every active period.
    data_alert_at_mb = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("data alert at (MB)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bundle period")
        verbose_name_plural = _("bundle periods")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["line", "status", "ends_at"]),
            # The lifecycle's ranges of periods by status and end, walked in order of end: periods
            # ended by now, ending soon (reminders) or around now (auto-renew).
            models.Index(fields=["status", "ends_at"], name="period_status_ends"),
            models.Index(fields=["starts_at"], name="period_queued_starts", condition=Q(status=PeriodStatus.QUEUED)),
            # Only the periods a data warning is due for (see data_alert_at_mb): the job reads this index.
            models.Index(
                fields=["id"],
                name="period_data_alert_due",
                condition=Q(status=PeriodStatus.ACTIVE, data_mb_left__lte=F("data_alert_at_mb")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.product_id} {self.starts_at:%Y-%m-%d}→{self.ends_at:%Y-%m-%d}"

    @property
    def data_mb_granted(self) -> int | None:
        """The period's whole data allowance (None: unlimited)."""
        if self.product.data_mb is None:
            return None
        return self.product.data_mb + self.rollover_data_mb

    @staticmethod
    def first_data_alert_at(data_mb_granted: int | None) -> int | None:
        """Where the 80 % warning falls for an allowance: at a fifth of it left (none when unlimited)."""
        return data_mb_granted // 5 if data_mb_granted else None

    @property
    def is_exhausted(self) -> bool:
        """Used up: the data allowance is gone, or every limited allowance is."""
        if self.data_mb_left == 0:
            return True
        limited = [v for v in (self.data_mb_left, self.voice_minutes_left, self.sms_left) if v is not None]
        return bool(limited) and all(v == 0 for v in limited)


class BonusGrant(models.Model):
    """One grant of bonus credit (a promotion) with its own expiry.

    The line's bonus account in the ledger holds the money; these rows say when which part of it
    expires. Bonus is spent before paid credit, oldest expiry first; what is left at expiry goes to
    breakage. Bonus credit is never refunded.
    """

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="bonus_grants", verbose_name=_("line"))
    amount = models.BigIntegerField(verbose_name=_("amount"))
    remaining_amount = models.BigIntegerField(verbose_name=_("remaining"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    granted_at = models.DateTimeField(verbose_name=_("granted at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    # The journal that credited it (e.g. `order:{id}:fulfil`): one grant per journal.
    source_key = models.CharField(max_length=128, unique=True, verbose_name=_("source"))
    expired_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expired at"))

    class Meta:
        verbose_name = _("bonus credit grant")
        verbose_name_plural = _("bonus credit grants")
        ordering = ["expires_at", "id"]
        indexes = [models.Index(fields=["expires_at", "remaining_amount"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(remaining_amount__gte=0) & models.Q(remaining_amount__lte=models.F("amount")),
                name="bonus_grant_remaining_within_amount",
            )
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.remaining_amount}/{self.amount} until {self.expires_at:%Y-%m-%d}"
