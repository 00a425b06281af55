"""Brands an operator (or MVNE) runs, with their rules and per-method payment fees."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    CARD = "creditcard", _("Card (Visa, Mastercard)")
    BANCONTACT = "bancontact", _("Bancontact")
    PAYPAL = "paypal", _("PayPal")
    BANK_TRANSFER = "banktransfer", _("Bank transfer")
    CREDIT = "credit", _("Line credit")
    # Settled at once by the channel itself (offline channels):
    CASH = "cash", _("Cash")
    TERMINAL_CARD = "terminal_card", _("Card at the terminal")
    RETAILER_FLOAT = "retailer_float", _("Retailer float")
    VOUCHER = "voucher", _("Voucher")


# Methods whose money is already in hand when the order is placed: the caller passes a Funding.
SETTLED_AT_ONCE = {PaymentMethod.CASH, PaymentMethod.TERMINAL_CARD, PaymentMethod.RETAILER_FLOAT, PaymentMethod.VOUCHER}


ONLINE_METHODS = [
    PaymentMethod.BANCONTACT,
    PaymentMethod.CARD,
    PaymentMethod.PAYPAL,
    PaymentMethod.BANK_TRANSFER,
]


class Brand(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=80)
    primary_colour = models.CharField(max_length=7, default="#1f3a93")
    accent_colour = models.CharField(max_length=7, default="#f5a623")
    support_phone = models.CharField(max_length=32, blank=True)
    support_email = models.EmailField(blank=True)
    # Official web domains, one per line: customers check these before paying (anti-phishing).
    official_domains = models.TextField(blank=True)
    # Credit stays valid this many days after the last top-up.
    credit_validity_days = models.PositiveIntegerField(default=365)
    # Receive-only days after credit validity lapses, before suspension.
    grace_days = models.PositiveIntegerField(default=30)
    reminder_days = models.CharField(max_length=32, default="7,1")
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def domains(self) -> list[str]:
        return [d.strip() for d in self.official_domains.splitlines() if d.strip()]


class PaymentMethodFee(models.Model):
    """What a brand charges the customer for paying with one method; shown in every quote."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="fees")
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    fixed_amount = models.BigIntegerField(default=0)  # cents, VAT included
    percent_bp = models.PositiveIntegerField(default=0)  # basis points of the price
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "method"], name="uniq_brand_method_fee")]

    def __str__(self) -> str:
        return f"{self.brand.code} {self.method}"
