"""Auto-renew (who pays for a line, their monthly cap), the durable record of each renewal attempt and
its charges, and the scheduler's watermarks."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AutoRenewSetting(models.Model):
    """Who switched auto-renew on for a line: their saved payment means and cap are used.

    The switch itself is `Line.auto_renew` (lines owns it); this row names the payer.
    """

    line = models.OneToOneField("lines.Line", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    updated_at = models.DateTimeField()


class SpendingCap(models.Model):
    """The most automatic renewals may charge a customer's saved payment means per calendar month."""

    customer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    monthly_limit_amount = models.BigIntegerField(null=True, blank=True)  # None: no cap
    currency = models.CharField(max_length=3, default="EUR")
    updated_at = models.DateTimeField()

    class Meta:
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

    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="+")
    period = models.OneToOneField("lines.BundlePeriod", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.PENDING)
    due_at = models.DateTimeField()
    next_try_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=32, blank=True)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
    try_number = models.PositiveSmallIntegerField()
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    funding = models.CharField(max_length=8, choices=[(CREDIT, "credit"), (MANDATE, "mandate")])
    mandate = models.ForeignKey("payments.Mandate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "try_number"], name="uniq_attempt_try")]


class JobWatermark(models.Model):
    """A scheduled job's bookkeeping: everything due up to `done_until` has been done.

    A run takes a lease (so two schedulers never run one job at once), works through everything
    due since `done_until` up to now, and moves `done_until` only when it succeeded; a run that
    died leaves the lease to expire and the next run catches up.
    """

    name = models.CharField(max_length=64, unique=True)
    done_until = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name
