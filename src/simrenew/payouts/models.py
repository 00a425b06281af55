"""Leftover credit paid back by bank transfer when a line ends (terminated or ported out), and the
SEPA credit-transfer files (pain.001) finance sends to the bank for them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from simrenew.kit import crypto
from simrenew.kit.iban import mask_iban


class LeftoverStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (LeftoverStatus.REQUESTED, LeftoverStatus.APPROVED)


class PayoutBatch(models.Model):
    """One pain.001 file: the approved requests of one brand paid from the brand's payout account."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+", verbose_name=_("brand"))
    # The file's GrpHdr/MsgId, unique per initiating party as the bank requires.
    message_id = models.CharField(max_length=35, unique=True, verbose_name=_("message ID"))
    schema = models.CharField(max_length=16, default="pain.001.001.03", verbose_name=_("schema"))
    count = models.PositiveIntegerField(verbose_name=_("count"))
    total_amount = models.BigIntegerField(verbose_name=_("total"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    # The file as given to finance (it holds the customers' IBANs, so it is kept encrypted).
    xml_encrypted = models.TextField(verbose_name=_("XML file (encrypted)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")

    def __str__(self) -> str:
        return self.message_id

    @property
    def xml(self) -> str:
        return crypto.decrypt(self.xml_encrypted)


class LeftoverCreditRequest(models.Model):
    """A customer's request (or customer service's on their behalf) for the paid credit left on an
    ended line: requested → approved (the credit moved to a payable) → paid (in a SEPA file), or
    rejected with a reason. Bonus credit is never paid back."""

    line = models.ForeignKey(
        "lines.Line", on_delete=models.PROTECT, related_name="leftover_requests", verbose_name=_("line")
    )
    # The account that asked; blank when customer service asked for someone without an account.
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    # The staff member who asked on the customer's behalf (null when the customer asked).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # Where and in which language the customer is written to about it.
    email = models.EmailField(verbose_name=_("e-mail address"))
    language = models.CharField(max_length=8, default="en", verbose_name=_("language"))
    # The IBAN, encrypted (personal data); shown masked.
    iban_encrypted = models.TextField(verbose_name=_("IBAN (encrypted)"))
    iban_masked = models.CharField(max_length=16, verbose_name=_("IBAN (masked)"))
    holder_name = models.CharField(max_length=70, verbose_name=_("account holder's name"))
    # The paid credit on the line when asked (bonus excluded), the brand's fee then, both in cents.
    amount = models.BigIntegerField(verbose_name=_("amount"))
    fee_amount = models.BigIntegerField(default=0, verbose_name=_("fee"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    status = models.CharField(
        max_length=10, choices=LeftoverStatus.choices, default=LeftoverStatus.REQUESTED, verbose_name=_("status")
    )
    reject_reason = models.CharField(max_length=300, blank=True, verbose_name=_("reason for rejecting"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    batch = models.ForeignKey(
        PayoutBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("SEPA file"),
    )
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    # The e-mails sent: "requested", then "paid" or "rejected" (each once).
    notices_sent = models.CharField(max_length=40, blank=True, verbose_name=_("notices sent"))

    class Meta:
        verbose_name = _("leftover credit request")
        verbose_name_plural = _("leftover credit requests")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("request_leftover_payout", "Can ask for a line's leftover credit on the customer's behalf"),
            ("decide_leftover_payout", "Can approve and reject leftover credit payouts and create SEPA files"),
        ]
        constraints = [
            # One open request per line: a second one waits until the first is paid or rejected.
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(status__in=["requested", "approved"]),
                name="one_open_leftover_request_per_line",
            ),
            models.CheckConstraint(
                condition=Q(fee_amount__gte=0) & Q(amount__gt=F("fee_amount")), name="leftover_pays_something"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="leftover_status_created")]

    def __str__(self) -> str:
        return f"leftover {self.pk} line {self.line_id} {self.status}"

    @property
    def payout_amount(self) -> int:
        """What reaches the customer's account: the credit less the fee."""
        return self.amount - self.fee_amount

    @property
    def iban(self) -> str:
        return crypto.decrypt(self.iban_encrypted)

    @staticmethod
    def seal_iban(iban: str) -> tuple[str, str]:
        return crypto.encrypt(iban), mask_iban(iban)
