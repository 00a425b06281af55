"""E-voucher PINs: made on demand at a POS sale (e-PIN) or in batches for printed scratch cards.

A PIN is stored only as a keyed hash plus its last digits. States: issued (a printed card not yet
sold) → active (sold: the money is in the voucher liability) → redeemed / voided / expired.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VoucherState(models.TextChoices):
    ISSUED = "issued", _("Issued (not sold yet)")
    ACTIVE = "active", _("Active")
    REDEEMED = "redeemed", _("Redeemed")
    VOIDED = "voided", _("Voided")
    EXPIRED = "expired", _("Expired")


class VoucherBatch(models.Model):
    """Scratch cards printed together; their PINs were handed to the printer once, in a file."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+", verbose_name=_("brand"))
    value_amount = models.BigIntegerField(verbose_name=_("value"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    count = models.PositiveIntegerField(verbose_name=_("count"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    note = models.CharField(max_length=120, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("voucher batch")
        verbose_name_plural = _("voucher batches")

    def __str__(self) -> str:
        return f"batch {self.pk} · {self.brand_id} · {self.count} x {self.value_amount}"


class Voucher(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+", verbose_name=_("brand"))
    value_amount = models.BigIntegerField(verbose_name=_("value"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    # Public: printed on the card and on the receipt, typed in at the till to activate a card.
    serial = models.CharField(max_length=20, unique=True, verbose_name=_("serial number"))
    # kit.codes.keyed_hash(pin, purpose="voucher-pin"): the PIN itself is never stored.
    code_hash = models.CharField(max_length=64, unique=True, verbose_name=_("PIN hash"))
    last_digits = models.CharField(max_length=4, verbose_name=_("last digits"))
    batch = models.ForeignKey(
        VoucherBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vouchers",
        verbose_name=_("voucher batch"),
    )
    state = models.CharField(max_length=10, choices=VoucherState.choices, verbose_name=_("status"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    activated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("activated at"))
    redeemed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("redeemed at"))
    voided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("voided at"))
    # Who sold it (e.g. the retail sale number), for the reverse look-up from a receipt.
    sold_reference = models.CharField(max_length=40, blank=True, verbose_name=_("sale reference"))
    redeemed_line = models.ForeignKey(
        "lines.Line",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("redeemed for line"),
    )
    redeemed_order = models.OneToOneField(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="voucher",
        verbose_name=_("redeemed in order"),
    )
    redeemed_channel = models.CharField(max_length=16, blank=True, verbose_name=_("redeemed through"))

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        indexes = [models.Index(fields=["state", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(value_amount__gt=0), name="voucher_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.serial} (…{self.last_digits})"

    @property
    def masked(self) -> str:
        return f"•••• {self.last_digits}"


class RedemptionAttempt(models.Model):
    """A refused guess, kept for fraud review: which line it aimed at and who typed it (the guesser,
    e.g. `account:42 address:192.0.2.1`). The throttle itself counts in throttles.Counter, per guesser."""

    line = models.ForeignKey("lines.Line", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=80)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("voucher redemption attempt")
        verbose_name_plural = _("voucher redemption attempts")
        indexes = [
            models.Index(fields=["source", "created_at"]),
            models.Index(fields=["line", "created_at"]),
        ]
