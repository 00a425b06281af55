"""Orders (a renewal or a top-up for one line), their price breakdown, and receipts."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from simrenew.brands.models import PaymentMethod
from simrenew.kit.phone import mask_msisdn

if TYPE_CHECKING:
    from simrenew.ledger.models import Journal


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    SHOP = "shop", _("Shop")
    POS = "pos", _("Point of sale")
    KIOSK = "kiosk", _("Kiosk")
    VOUCHER = "voucher", _("Voucher")
    AUTO = "auto", _("Auto-renew")
    API = "api", _("API")


class OrderKind(models.TextChoices):
    BUNDLE = "bundle", _("Bundle renewal")
    TOPUP = "topup", _("Top-up")


class OrderStatus(models.TextChoices):
    CREATED = "created", _("Created")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FULFILLED = "fulfilled", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Payment failed")
    REFUNDED = "refunded", _("Refunded")


OPEN_STATUSES = {OrderStatus.CREATED, OrderStatus.AWAITING_PAYMENT}
UNPAID_FINAL_STATUSES = {OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.FAILED}


class Order(models.Model):
    number = models.CharField(max_length=16, unique=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="orders")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=OrderKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    # Price breakdown in cents, VAT included. total = list - discount + fee; vat is the VAT part of total.
    list_amount = models.BigIntegerField()
    discount_amount = models.BigIntegerField(default=0)
    fee_amount = models.BigIntegerField(default=0)
    total_amount = models.BigIntegerField()
    vat_amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.CREATED)
    language = models.CharField(max_length=8, default="en")
    email = models.EmailField(blank=True)  # where the confirmation goes
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # The promotion applied (in the order's language) and the bonus credit it gives with the order.
    promotion_label = models.CharField(max_length=200, blank=True)
    bonus_amount = models.BigIntegerField(default=0)
    bonus_expires_at = models.DateTimeField(null=True, blank=True)
    # Not stored: the fulfilment journal, on the order that was just fulfilled (its balances_after
    # say what the guarded accounts hold now, without reading them again).
    fulfilment: "Journal | None" = None

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"]),
            models.Index(fields=["line", "-created_at"]),
            # Orders whose confirmation e-mail is still to go (orders.reconcile finds one that was lost).
            models.Index(
                fields=["fulfilled_at"],
                condition=models.Q(status=OrderStatus.FULFILLED, confirmation_sent_at__isnull=True)
                & ~models.Q(email="")
                & ~models.Q(channel=Channel.AUTO),
                name="order_confirmation_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    total_amount=models.F("list_amount") - models.F("discount_amount") + models.F("fee_amount")
                ),
                name="order_total_adds_up",
            ),
            models.CheckConstraint(condition=models.Q(total_amount__gte=0), name="order_total_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_number(self) -> str:
        return mask_msisdn(self.line.msisdn)

    @property
    def price_amount(self) -> int:
        """What the line gets or the bundle costs, before the payment fee."""
        return self.list_amount - self.discount_amount

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Receipt(models.Model):
    number = models.CharField(max_length=20, unique=True)
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="receipt")
    # Printed on the receipt; anyone can check a receipt is genuine with number + code.
    verification_code = models.CharField(max_length=12)
    issued_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.number
