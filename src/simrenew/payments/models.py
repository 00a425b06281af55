"""Payments taken through a provider, and the inbox of provider webhooks."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    AUTHORIZED = "authorized", _("Authorized")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")


class Payment(models.Model):
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="payments", verbose_name=_("order")
    )
    provider = models.CharField(max_length=16, verbose_name=_("payment provider"))
    provider_payment_id = models.CharField(max_length=64, blank=True, verbose_name=_("payment ID at the provider"))
    method = models.CharField(max_length=16, verbose_name=_("payment method"))
    amount = models.BigIntegerField(verbose_name=_("amount"))
    fee_amount = models.BigIntegerField(default=0, verbose_name=_("fee"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    status = models.CharField(
        max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.OPEN, verbose_name=_("status")
    )
    checkout_url = models.URLField(max_length=500, blank=True, verbose_name=_("checkout URL"))
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    # When to ask the provider again while the order still awaits this payment (a webhook may never
    # come); null once the order is no longer waiting. Checks back off as the payment ages, so a bank
    # transfer open for days costs a few calls a day, not one a minute (orders.reconcile).
    next_check_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next check at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~models.Q(provider_payment_id=""),
                name="uniq_provider_payment",
            )
        ]
        indexes = [
            # Only the payments still watched: the reconcile tick reads the due ones straight off it.
            models.Index(
                fields=["next_check_at"], condition=models.Q(next_check_at__isnull=False), name="payment_next_check"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_payment_id or self.pk}"


class WebhookInbox(models.Model):
    """Every webhook call as received. Mollie's carry only the payment id and are not signed,
    so the handler job fetches the real status; the status it finds is recorded in
    PaymentEvent, which is unique per (provider, payment id, status)."""

    provider = models.CharField(max_length=16, verbose_name=_("payment provider"))
    provider_payment_id = models.CharField(max_length=64, verbose_name=_("payment ID at the provider"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))
    processed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("processed at"))
    outcome = models.CharField(max_length=32, blank=True, verbose_name=_("outcome"))

    class Meta:
        verbose_name = _("webhook call received")
        verbose_name_plural = _("webhook calls received")
        indexes = [
            models.Index(fields=["provider", "provider_payment_id"]),
            # The few rows not processed yet (the reconcile tick looks for ones left behind).
            models.Index(
                fields=["received_at"], condition=models.Q(processed_at__isnull=True), name="webhook_unprocessed"
            ),
        ]


class PaymentEvent(models.Model):
    provider = models.CharField(max_length=16, verbose_name=_("payment provider"))
    provider_payment_id = models.CharField(max_length=64, verbose_name=_("payment ID at the provider"))
    status = models.CharField(max_length=12, verbose_name=_("status"))
    recorded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("recorded at"))

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_payment_id", "status"], name="uniq_payment_event")
        ]


class ProviderCustomer(models.Model):
    """Our customer's record at a payment provider (Mollie hangs mandates off it)."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    provider = models.CharField(max_length=16, verbose_name=_("payment provider"))
    provider_customer_id = models.CharField(max_length=64, verbose_name=_("customer ID at the provider"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("customer at a payment provider")
        verbose_name_plural = _("customers at payment providers")
        constraints = [
            models.UniqueConstraint(fields=["customer", "provider"], name="uniq_provider_customer"),
            models.UniqueConstraint(fields=["provider", "provider_customer_id"], name="uniq_provider_customer_id"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_customer_id}"


class MandateStatus(models.TextChoices):
    VALID = "valid", _("Active")
    REVOKED = "revoked", _("Removed")
    INVALID = "invalid", _("No longer valid")


class Mandate(models.Model):
    """A payment means the customer saved for later charges (auto-renew), created by a first
    payment they completed at the provider. Charges on it are recurring payments."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mandates", verbose_name=_("customer")
    )
    provider = models.CharField(max_length=16, verbose_name=_("payment provider"))
    provider_customer_id = models.CharField(max_length=64, verbose_name=_("customer ID at the provider"))
    provider_mandate_id = models.CharField(max_length=64, verbose_name=_("mandate ID at the provider"))
    # Our payment method of the first payment (card, Bancontact, PayPal): what the customer chose,
    # used for the fee and shown on orders; the provider may charge it as another method (SEPA).
    method = models.CharField(max_length=16, verbose_name=_("payment method"))
    label = models.CharField(max_length=80, blank=True, verbose_name=_("label"))  # "Mastercard •••• 6787"
    status = models.CharField(
        max_length=8, choices=MandateStatus.choices, default=MandateStatus.VALID, verbose_name=_("status")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_mandate_id"], name="uniq_provider_mandate")
        ]

    def __str__(self) -> str:
        return self.label or f"{self.provider}:{self.provider_mandate_id}"


class CardTerminal(models.Model):
    """A point-of-sale card terminal of our Mollie account (Mollie's Terminals API), as last listed
    (payments.pointofsale.sync_terminals). Counters and kiosks are assigned one in the back office."""

    provider_terminal_id = models.CharField(_("terminal id"), max_length=32, unique=True)  # term_…
    brand = models.CharField(_("brand"), max_length=40, blank=True)
    model = models.CharField(_("model"), max_length=40, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=40, blank=True)
    # Mollie's terminal status: pending (not yet set up), active, inactive. Only an active one is charged.
    status = models.CharField(_("status"), max_length=10)
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    description = models.CharField(_("description"), max_length=255, blank=True)
    synced_at = models.DateTimeField(_("listed at"))

    class Meta:
        ordering = ["description", "provider_terminal_id"]
        verbose_name = _("card terminal")
        verbose_name_plural = _("card terminals")

    def __str__(self) -> str:
        label = self.description or f"{self.brand} {self.model}".strip()
        return f"{label} ({self.provider_terminal_id})" if label else self.provider_terminal_id


class TerminalOutcome(models.TextChoices):
    WAITING = "waiting", _("Waiting for the card")
    PLACED = "placed", _("Paid, order placed")
    NOT_PAID = "not_paid", _("Not paid, nothing placed")
    # Paid, but the sale could no longer be made (its price changed, the line closed): paid back.
    REFUND_DUE = "refund_due", _("Paid, not placed: to pay back")
    REFUNDED = "refunded", _("Paid, not placed: paid back")


class TerminalPayment(models.Model):
    """A card payment started on a counter's or kiosk's terminal (Mollie method=pointofsale), and the
    sale it pays for once the card is approved.

    What was quoted is kept (line, product, top-up amount, total) so that the order is placed from it
    when the payment is paid, by the webhook or by the waiting page's poll, whichever locks this row
    first: `outcome` leaves WAITING once, under that lock, and `order` is set in the same
    transaction, so a payment places at most one order. Nothing is placed unless it is paid."""

    reference = models.CharField(
        max_length=64, unique=True, verbose_name=_("reference")
    )  # ours: "shop:3:…", "kiosk:5:…"
    terminal = models.ForeignKey(
        CardTerminal, on_delete=models.PROTECT, related_name="payments", verbose_name=_("terminal")
    )
    provider_payment_id = models.CharField(max_length=64, blank=True, verbose_name=_("payment ID at the provider"))
    # Where the sale happens: "shop" or "kiosk", and that shop's or kiosk's id.
    channel = models.CharField(max_length=8, verbose_name=_("channel"))
    seller_id = models.BigIntegerField(verbose_name=_("seller"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="+", verbose_name=_("line"))
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    topup_amount = models.BigIntegerField(null=True, blank=True, verbose_name=_("top-up amount"))
    amount = models.BigIntegerField(verbose_name=_("amount"))  # cents: the quote's total, what the terminal asks for
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    language = models.CharField(max_length=12, default="en", verbose_name=_("language"))
    client_address = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("client IP address"))
    status = models.CharField(
        max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.OPEN, verbose_name=_("status")
    )
    outcome = models.CharField(
        max_length=12, choices=TerminalOutcome.choices, default=TerminalOutcome.WAITING, verbose_name=_("outcome")
    )
    order = models.OneToOneField(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="terminal_payment",
        verbose_name=_("order"),
    )
    card_label = models.CharField(max_length=40, blank=True, verbose_name=_("card"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    # After this the waiting page gives up: the payment is cancelled at Mollie and nothing is placed.
    deadline_at = models.DateTimeField(verbose_name=_("deadline"))
    # The last time we asked Mollie (rate-limits the waiting page's polls).
    checked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("checked at"))
    cancel_requested_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancellation asked at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("card terminal payment")
        verbose_name_plural = _("card terminal payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_payment_id"],
                condition=~models.Q(provider_payment_id=""),
                name="uniq_terminal_payment_provider_id",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def waiting(self) -> bool:
        return self.outcome == TerminalOutcome.WAITING
