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
    USSD = "ussd", _("USSD menu")
    SMS = "sms", _("SMS")


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
    number = models.CharField(max_length=16, unique=True, verbose_name=_("number"))
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("customer"),
    )
    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="orders", verbose_name=_("line"))
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    kind = models.CharField(max_length=8, choices=OrderKind.choices, verbose_name=_("kind"))
    channel = models.CharField(max_length=8, choices=Channel.choices, verbose_name=_("channel"))
    method = models.CharField(max_length=16, choices=PaymentMethod.choices, verbose_name=_("payment method"))
    # Price breakdown in cents, VAT included. total = list - discount + fee; vat is the VAT part of total.
    list_amount = models.BigIntegerField(verbose_name=_("list price"))
    discount_amount = models.BigIntegerField(default=0, verbose_name=_("discount"))
    fee_amount = models.BigIntegerField(default=0, verbose_name=_("fee"))
    total_amount = models.BigIntegerField(verbose_name=_("total"))
    vat_amount = models.BigIntegerField(verbose_name=_("VAT"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.CREATED, verbose_name=_("status")
    )
    language = models.CharField(max_length=8, default="en", verbose_name=_("language"))
    email = models.EmailField(blank=True, verbose_name=_("e-mail address"))  # where the confirmation goes
    created_at = models.DateTimeField(verbose_name=_("created at"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    fulfilled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("fulfilled at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmation sent at"))
    # The promotion applied (in the order's language) and the bonus credit it gives with the order.
    promotion_label = models.CharField(max_length=200, blank=True, verbose_name=_("promotion"))
    bonus_amount = models.BigIntegerField(default=0, verbose_name=_("bonus credit"))
    bonus_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("bonus credit expires at"))
    # Not stored: the fulfilment journal, on the order that was just fulfilled (its balances_after
    # say what the guarded accounts hold now, without reading them again).
    fulfilment: "Journal | None" = None

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
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
    number = models.CharField(max_length=20, unique=True, verbose_name=_("number"))
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="receipt", verbose_name=_("order"))
    # Printed on the receipt; anyone can check a receipt is genuine with number + code.
    verification_code = models.CharField(max_length=12, verbose_name=_("verification code"))
    issued_at = models.DateTimeField(verbose_name=_("issued at"))

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self) -> str:
        return self.number


class RefundStatus(models.TextChoices):
    # Ours: recorded (its reversal booked) and waiting for the job that asks the provider.
    REQUESTED = "requested", _("Waiting to be sent")
    # Mollie's refund statuses, spelled as Mollie spells them.
    QUEUED = "queued", _("Queued")
    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    REFUNDED = "refunded", _("Refunded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Cancelled")


# Where a refund can still go: a status only ever moves to a later rank (webhooks may come late or
# twice); the three final ones end an attempt. A failed or cancelled attempt is retried by staff.
REFUND_RANK = {
    RefundStatus.REQUESTED: 0,
    RefundStatus.QUEUED: 1,
    RefundStatus.PENDING: 2,
    RefundStatus.PROCESSING: 3,
    RefundStatus.REFUNDED: 4,
    RefundStatus.FAILED: 4,
    RefundStatus.CANCELED: 4,
}
REFUND_UNSETTLED = {RefundStatus.FAILED, RefundStatus.CANCELED}
# Not final yet: the provider has still to be asked, or to say how it ended.
REFUND_UNDER_WAY = [RefundStatus.REQUESTED, RefundStatus.QUEUED, RefundStatus.PENDING, RefundStatus.PROCESSING]


class Refund(models.Model):
    """Money given back for a paid online order, in full or in part, through the payment's provider.

    Invariants (orders.refunds): the sum of an order's refunds never exceeds its total (checked under
    the order's lock); the journal `refund:{id}` reverses what the refund takes back and owes the
    amount to the customer (refunds payable) in the transaction that creates the row; the journal
    `refund:{id}:paid` moves it from refunds payable to the provider once the provider says refunded.
    A failed or cancelled attempt leaves the amount owed until staff retry it.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order"))
    payment = models.ForeignKey(
        "payments.Payment", on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    # How `amount` splits: the part of what the order bought (price) and the part of its payment fee.
    item_amount = models.BigIntegerField(verbose_name=_("amount for the item"))
    fee_amount = models.BigIntegerField(default=0, verbose_name=_("fee"))
    # False when staff refunded without taking back what the order delivered (used bundle, spent credit).
    reversed_fulfilment = models.BooleanField(default=True, verbose_name=_("fulfilment reversed"))
    reason = models.TextField(verbose_name=_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    provider = models.CharField(max_length=16, verbose_name=_("payment provider"))
    provider_refund_id = models.CharField(max_length=64, blank=True, verbose_name=_("refund ID at the provider"))
    status = models.CharField(
        max_length=12, choices=RefundStatus.choices, default=RefundStatus.REQUESTED, verbose_name=_("status")
    )
    # Numbers the provider calls: each attempt has its own idempotency key `refund:{id}:attempt:{n}`.
    attempt = models.PositiveSmallIntegerField(default=1, verbose_name=_("attempt"))
    failure = models.CharField(
        max_length=300, blank=True, verbose_name=_("failure")
    )  # why the provider refused, for staff
    created_at = models.DateTimeField(verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"))
    refunded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refunded at"))
    failed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("failed at"))
    # The customer's e-mails: "created" once; the final one once per final status reached.
    created_notice_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("notice of the refund sent at"))
    final_notice_status = models.CharField(max_length=12, blank=True, verbose_name=_("final notice"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(amount=models.F("item_amount") + models.F("fee_amount")), name="refund_split_adds_up"
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_refund_id"],
                condition=~models.Q(provider_refund_id=""),
                name="uniq_provider_refund",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="refund_status_created"),
            # Only the refunds under way: orders.reconcile reads the ones left behind straight off it.
            models.Index(
                fields=["updated_at"], condition=models.Q(status__in=REFUND_UNDER_WAY), name="refund_under_way"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.number} refund {self.pk}"

    @property
    def is_final(self) -> bool:
        return REFUND_RANK[RefundStatus(self.status)] == REFUND_RANK[RefundStatus.REFUNDED]

    @property
    def can_retry(self) -> bool:
        return self.status in REFUND_UNSETTLED
