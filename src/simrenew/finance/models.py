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
    day = models.DateField(unique=True, verbose_name=_("day"))
    provider = models.CharField(max_length=16, verbose_name=_("payment provider"))
    status = models.CharField(
        max_length=12, choices=RunStatus.choices, default=RunStatus.MATCHED, verbose_name=_("status")
    )
    # What the provider reported and what was checked, in cents and counts (finance.service.Summary).
    summary = models.JSONField(default=dict, blank=True, verbose_name=_("summary"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))  # why the last attempt could not run
    runs = models.PositiveIntegerField(default=0, verbose_name=_("runs"))  # how often the day was reconciled
    first_run_at = models.DateTimeField(verbose_name=_("first run at"))
    last_run_at = models.DateTimeField(verbose_name=_("last run at"))
    last_run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("last run by"),
    )

    class Meta:
        verbose_name = _("daily reconciliation")
        verbose_name_plural = _("daily reconciliations")
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
    run = models.ForeignKey(
        ReconciliationRun, on_delete=models.CASCADE, related_name="differences", verbose_name=_("reconciliation run")
    )
    cause = models.CharField(max_length=20, choices=Cause.choices, verbose_name=_("cause"))
    # What it is about: "tr_…", "re_…", "retailer:3", "brand:proximus", "kiosk:gare-midi", "emptying:7".
    reference = models.CharField(max_length=80, verbose_name=_("reference"))
    # Why, more precisely (finance.descriptions): e.g. "settled_amount", "ledger_amount", "refund_failed_here".
    reason = models.CharField(max_length=32, verbose_name=_("reason"))
    expected_amount = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("expected amount")
    )  # ours (ledger, contract), in cents
    found_amount = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("amount found")
    )  # the provider's or the counted, in cents
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    facts = models.JSONField(
        default=dict, blank=True, verbose_name=_("facts")
    )  # ids and statuses the description shows
    found_at = models.DateTimeField(verbose_name=_("found at"))
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True, verbose_name=_("resolution"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("reconciliation difference")
        verbose_name_plural = _("reconciliation differences")
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
