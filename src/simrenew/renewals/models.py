"""Auto-renew (who pays for a line, their monthly cap), the durable record of each renewal attempt and
its charges, and the scheduler's watermarks."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AutoRenewSetting(models.Model):
    """Who switched auto-renew on for a line: their saved payment means and cap are used.

    The switch itself is `Line.auto_renew` (lines owns it); this row names the payer.
    """

    line = models.OneToOneField("lines.Line", on_delete=models.CASCADE, related_name="+", verbose_name=_("line"))
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    updated_at = models.DateTimeField(verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("auto-renew setting")
        verbose_name_plural = _("auto-renew settings")


class SpendingCap(models.Model):
    """The most automatic renewals may charge a customer's saved payment means per calendar month."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    monthly_limit_amount = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("monthly limit")
    )  # None: no cap
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("spending cap")
        verbose_name_plural = _("spending caps")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_limit_amount__isnull=True) | models.Q(monthly_limit_amount__gte=0),
                name="spending_cap_not_negative",
            )
        ]


class AttemptStatus(models.TextChoices):
    PENDING = "pending", _("Due")
    CHARGING = "charging", _("Charging the saved payment method")
    AWAITING_PAYMENT = "awaiting", _("Waiting for the payment")
    RETRY_SCHEDULED = "retry", _("Payment failed; retry scheduled")
    SUCCEEDED = "succeeded", _("Renewed")
    FAILED = "failed", _("Not renewed")
    STOPPED = "stopped", _("Stopped")
    SUPERSEDED = "superseded", _("Renewed another way")


OPEN_ATTEMPT_STATUSES = [
    AttemptStatus.PENDING,
    AttemptStatus.CHARGING,
    AttemptStatus.AWAITING_PAYMENT,
    AttemptStatus.RETRY_SCHEDULED,
]


class RenewalAttempt(models.Model):
    """The one attempt to renew a line's bundle at the end of one period.

    Unique per period: however often the job runs, or if it dies half-way, a period is renewed at
    most once. Each try that charges money has a RenewalCharge with its own order.
    """

    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="+", verbose_name=_("line"))
    period = models.OneToOneField(
        "lines.BundlePeriod", on_delete=models.PROTECT, related_name="+", verbose_name=_("bundle period")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
    )
    status = models.CharField(
        max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.PENDING, verbose_name=_("status")
    )
    due_at = models.DateTimeField(verbose_name=_("due at"))
    next_try_at = models.DateTimeField(verbose_name=_("next try at"))
    tries = models.PositiveSmallIntegerField(default=0, verbose_name=_("tries"))
    first_failed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("first failed at"))
    reason = models.CharField(max_length=32, blank=True, verbose_name=_("reason"))
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("order")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("renewal attempt")
        verbose_name_plural = _("renewal attempts")
        ordering = ["-due_at", "-id"]
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self) -> str:
        return f"renewal of period {self.period_id}: {self.status}"


class RenewalCharge(models.Model):
    """One try of an attempt: its order, paid from credit or charged to a mandate.

    `key` is derived from our ids and is the provider's idempotency key and the charge's
    metadata, so a try that died after charging is found again, never charged twice.
    """

    CREDIT = "credit"
    MANDATE = "mandate"

    attempt = models.ForeignKey(RenewalAttempt, on_delete=models.PROTECT, related_name="charges")
    try_number = models.PositiveSmallIntegerField(verbose_name=_("try number"))
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("order"))
    funding = models.CharField(
        max_length=8, choices=[(CREDIT, "credit"), (MANDATE, "mandate")], verbose_name=_("paid from")
    )
    mandate = models.ForeignKey(
        "payments.Mandate", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("mandate")
    )
    key = models.CharField(max_length=64, unique=True, verbose_name=_("key"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("renewal charge")
        verbose_name_plural = _("renewal charges")
        constraints = [models.UniqueConstraint(fields=["attempt", "try_number"], name="uniq_attempt_try")]


class JobWatermark(models.Model):
    """A scheduled job's bookkeeping: everything due up to `done_until` has been done.

    A run takes a lease (so two schedulers never run one job at once), works through everything
    due since `done_until` up to now, and moves `done_until` only when it succeeded; a run that
    died leaves the lease to expire and the next run catches up.
    """

    name = models.CharField(max_length=64, unique=True, verbose_name=_("name"))
    done_until = models.DateTimeField(null=True, blank=True, verbose_name=_("done until"))
    lease_until = models.DateTimeField(null=True, blank=True, verbose_name=_("lease until"))
    lease_owner = models.CharField(max_length=64, blank=True, verbose_name=_("lease owner"))
    last_started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last started at"))
    last_finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last finished at"))
    last_result = models.CharField(max_length=255, blank=True, verbose_name=_("last result"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    runs = models.PositiveIntegerField(default=0, verbose_name=_("runs"))

    class Meta:
        verbose_name = _("scheduled job state")
        verbose_name_plural = _("scheduled job states")

    def __str__(self) -> str:
        return self.name
