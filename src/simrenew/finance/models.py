"""The daily reconciliation: one run per day, and the differences it found, each resolved by finance
with a recorded decision.

Invariants (finance.service): one run per day (re-running a day replaces its open differences and
keeps the resolved ones with their decision); at most one difference per (run, cause, reference).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    MATCHED = "matched", _("Nothing left open")
    DIFFERENCES = "differences", _("Differences to look at")
    FAILED = "failed", _("Could not run")


class ReconciliationRun(models.Model):
    day = models.DateField(unique=True)
    provider = models.CharField(max_length=16)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.MATCHED)
    # What the provider reported and what was checked, in cents and counts (finance.service.Summary).
    summary = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)  # why the last attempt could not run
    runs = models.PositiveIntegerField(default=0)  # how often the day was reconciled
    first_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField()
    last_run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-day"]
        permissions = [("run_reconciliation", "Can run the daily reconciliation of a day")]

    def __str__(self) -> str:
        return f"reconciliation {self.day}"


class Cause(models.TextChoices):
    MISSING_WEBHOOK = "missing_webhook", _("Paid at the provider, not in our ledger (missing webhook)")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount differs")
    UNKNOWN_PAYMENT = "unknown_payment", _("Payment unknown to us")
    NOT_AT_PROVIDER = "not_at_provider", _("Paid in our ledger, not at the provider")
    REFUND_MISMATCH = "refund_mismatch", _("Refund differs")
    FEE_MISMATCH = "fee_mismatch", _("Provider fee differs from the contract")
    FLOAT_MISMATCH = "float_mismatch", _("Retailer float does not match its settlement")
    VOUCHER_LIABILITY = "voucher_liability", _("Voucher liability differs from unredeemed vouchers")
    CASH_BOX = "cash_box", _("Cash box differs")


class Resolution(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    WRITTEN_OFF = "written_off", _("Written off")
    FIXED = "fixed", _("Fixed")


class Difference(models.Model):
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="differences")
    cause = models.CharField(max_length=20, choices=Cause.choices)
    # What it is about: "tr_…", "re_…", "retailer:3", "brand:proximus", "kiosk:gare-midi", "emptying:7".
    reference = models.CharField(max_length=80)
    # Why, more precisely (finance.descriptions): e.g. "settled_amount", "ledger_amount", "refund_failed_here".
    reason = models.CharField(max_length=32)
    expected_amount = models.BigIntegerField(null=True, blank=True)  # ours (ledger, contract), in cents
    found_amount = models.BigIntegerField(null=True, blank=True)  # the provider's or the counted, in cents
    currency = models.CharField(max_length=3, default="EUR")
    facts = models.JSONField(default=dict, blank=True)  # ids and statuses the description shows
    found_at = models.DateTimeField()
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["cause", "reference"]
        permissions = [("resolve_difference", "Can resolve reconciliation differences with a decision")]
        constraints = [
            models.UniqueConstraint(fields=["run", "cause", "reference"], name="finance_difference_once_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.cause} {self.reference}"

    @property
    def is_open(self) -> bool:
        return not self.resolution

    @property
    def gap_amount(self) -> int | None:
        if self.expected_amount is None or self.found_amount is None:
            return None
        return self.found_amount - self.expected_amount
