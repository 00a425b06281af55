"""What the payment sandbox stores: Mollie-like payments, refunds, idempotency keys and webhook calls.

The sandbox plays the part of an outside provider, so nothing here points at simrenew's own models.
"""

from django.db import models


class SandboxPayment(models.Model):
    # Mollie's statuses, spelled as Mollie spells them (one "l" in canceled).
    OPEN = "open"
    PENDING = "pending"
    AUTHORIZED = "authorized"
    PAID = "paid"
    FAILED = "failed"
    CANCELED = "canceled"
    EXPIRED = "expired"
    STATUS_CHOICES = [
        (OPEN, "Open"),
        (PENDING, "Pending"),
        (AUTHORIZED, "Authorized"),
        (PAID, "Paid"),
        (FAILED, "Failed"),
        (CANCELED, "Canceled"),
        (EXPIRED, "Expired"),
    ]
    FINAL = frozenset({PAID, FAILED, CANCELED, EXPIRED})

    # The integer pk gives a stable newest-first order for Mollie's cursor pagination (`from`);
    # the tr_ id is what the API shows.
    public_id = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=OPEN)
    amount_value = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=255)
    method = models.CharField(max_length=20, blank=True)
    # The bank of a KBC/CBC payment ("kbc" or "cbc"): given on creation, or chosen on the checkout.
    issuer = models.CharField(max_length=16, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    locale = models.CharField(max_length=8, blank=True)
    redirect_url = models.CharField(max_length=2000, blank=True)
    cancel_url = models.CharField(max_length=2000, blank=True)
    webhook_url = models.CharField(max_length=2000, blank=True)
    sequence_type = models.CharField(max_length=10, default="oneoff")
    customer_id = models.CharField(max_length=40, blank=True)
    mandate_id = models.CharField(max_length=40, blank=True)
    # The card terminal (term_…) a point-of-sale payment waits on; empty for every other method.
    terminal_id = models.CharField(max_length=32, blank=True, db_index=True)
    details = models.JSONField(null=True, blank=True)
    # Kept in a column of its own so that no two bank transfers share a reference.
    transfer_reference = models.CharField(max_length=24, unique=True, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # Counts the status changes; each one is a webhook delivery of its own (numbered by this count),
    # so a re-run delivery job tells its own earlier calls from those of a later change.
    status_changes = models.PositiveIntegerField(default=0)
    # How this payment's next refunds go (the tester switches it on the sandbox's payments page):
    # "refunded" or "failed" a moment after creation, or they wait "queued"/"pending" for the tester.
    REFUND_OUTCOMES = [("refunded", "Refunded"), ("failed", "Failed"), ("queued", "Queued"), ("pending", "Pending")]
    refund_outcome = models.CharField(max_length=10, choices=REFUND_OUTCOMES, default="refunded")

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class SandboxRefund(models.Model):
    # Mollie's refund statuses. Queued: waiting for enough balance (cancelable); pending: about to be
    # processed (cancelable); processing: on its way to the consumer; then refunded, failed or canceled.
    QUEUED = "queued"
    PENDING = "pending"
    PROCESSING = "processing"
    REFUNDED = "refunded"
    FAILED = "failed"
    CANCELED = "canceled"
    STATUS_CHOICES = [
        (QUEUED, "Queued"),
        (PENDING, "Pending"),
        (PROCESSING, "Processing"),
        (REFUNDED, "Refunded"),
        (FAILED, "Failed"),
        (CANCELED, "Canceled"),
    ]
    # Where each status may go next; the final ones go nowhere.
    NEXT = {
        QUEUED: {PENDING, CANCELED, FAILED},
        PENDING: {PROCESSING, REFUNDED, FAILED, CANCELED},
        PROCESSING: {REFUNDED, FAILED},
        REFUNDED: set(),
        FAILED: set(),
        CANCELED: set(),
    }
    CANCELABLE = frozenset({QUEUED, PENDING})
    # Refunds that give nothing back: their amount is refundable again.
    UNSUCCESSFUL = frozenset({FAILED, CANCELED})

    public_id = models.CharField(max_length=32, unique=True)
    payment = models.ForeignKey(SandboxPayment, on_delete=models.CASCADE, related_name="refunds")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=PENDING)
    amount_value = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.public_id


class SandboxIdempotencyKey(models.Model):
    """The first successful answer to a POST/DELETE that carried an Idempotency-Key.

    `scope` hashes the API key with the Idempotency-Key, so that keys are per account as at Mollie
    and no API key is stored in clear; `fingerprint` hashes method, path and body."""

    scope = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.scope[:12]


class SandboxWebhookCall(models.Model):
    """One attempt at posting a webhook, kept for the sandbox page and for tests.

    A delivery is the webhook for one status change of a payment (`status_change`, the payment's
    `status_changes` at that moment); its attempts are numbered from 1. At most one row per attempt:
    the row is how a delivery job that runs twice knows the attempt was made and its retry queued."""

    payment = models.ForeignKey(SandboxPayment, on_delete=models.CASCADE, related_name="webhook_calls")
    url = models.CharField(max_length=2000)
    status_change = models.PositiveIntegerField(default=0)
    attempt = models.PositiveSmallIntegerField(default=1)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    called_at = models.DateTimeField()

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "status_change", "attempt"], name="sandbox_webhook_call_once_per_attempt"
            )
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class SandboxCustomer(models.Model):
    """A Mollie customer: what first payments and mandates hang off."""

    public_id = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField()
    name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True)
    locale = models.CharField(max_length=8, blank=True)
    metadata = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.public_id


class SandboxMandate(models.Model):
    """A mandate, created when a first payment is paid. Charges on it (recurring payments) settle by
    themselves a moment later with the outcome the tester set for the mandate (paid by default)."""

    VALID = "valid"
    INVALID = "invalid"
    STATUS_CHOICES = [(VALID, "Valid"), (INVALID, "Invalid")]
    OUTCOME_CHOICES = [("paid", "Paid"), ("failed", "Failed")]

    public_id = models.CharField(max_length=32, unique=True)
    customer = models.ForeignKey(SandboxCustomer, on_delete=models.CASCADE, related_name="mandates")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=STATUS_CHOICES, default=VALID)
    # Mollie's mandate methods: a Bancontact first payment gives a SEPA direct debit mandate.
    method = models.CharField(max_length=20)
    details = models.JSONField(null=True, blank=True)
    # What the next recurring charges on this mandate end in; the tester switches it.
    next_charge_outcome = models.CharField(max_length=8, choices=OUTCOME_CHOICES, default="paid")

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.public_id


class SandboxTerminal(models.Model):
    """A point-of-sale card terminal of the sandbox account (Mollie's Terminals API). Payments with
    method=pointofsale name one; the tester acts for the customer on its screen page."""

    PENDING = "pending"
    ACTIVE = "active"
    INACTIVE = "inactive"
    STATUS_CHOICES = [(PENDING, "Pending"), (ACTIVE, "Active"), (INACTIVE, "Inactive")]

    public_id = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=ACTIVE)
    brand = models.CharField(max_length=40)
    model = models.CharField(max_length=40)
    serial_number = models.CharField(max_length=40)
    currency = models.CharField(max_length=3, default="EUR")
    description = models.CharField(max_length=255)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.public_id


class SandboxSettlementAdjustment(models.Model):
    """A mismatch planted by a tester: the payment settles `amount_delta` more (or less) than it was
    paid for, or Mollie deducts `fee_delta` more (or less) than its fee table says. What the
    reconciliation must catch; real Mollie never does this on purpose."""

    AMOUNT = "amount"
    FEE = "fee"
    KIND_CHOICES = [(AMOUNT, "Settled amount"), (FEE, "Fee")]

    payment = models.ForeignKey(SandboxPayment, on_delete=models.CASCADE, related_name="settlement_adjustments")
    kind = models.CharField(max_length=8, choices=KIND_CHOICES)
    delta_value = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "kind"], name="sandbox_one_adjustment_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.kind} {self.delta_value:+}"
