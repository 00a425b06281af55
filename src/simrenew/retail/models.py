"""Retailers (chains and independent shops), their outlets, terminals and cashiers, commission rates,
float deposits and the sales made at their tills.

Money lives in the ledger: each retailer has a prepaid float (`retailer:{id}:float`, guarded, never
below zero). A Sale records who sold what where; its money is the order's or the voucher's journal.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from simrenew.kit.phone import mask_msisdn


class RetailerKind(models.TextChoices):
    CHAIN = "chain", _("Chain")
    INDEPENDENT = "independent", _("Independent shop")


class Retailer(models.Model):
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=12, choices=RetailerKind.choices)
    vat_number = models.CharField(max_length=20, blank=True)
    contact_email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def float_account_code(self) -> str:
        return f"retailer:{self.pk}:float"


class Outlet(models.Model):
    retailer = models.ForeignKey(Retailer, on_delete=models.PROTECT, related_name="outlets")
    name = models.CharField(max_length=120)
    street = models.CharField(max_length=120, blank=True)
    postal_code = models.CharField(max_length=8, blank=True)
    city = models.CharField(max_length=80, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["retailer", "name"]
        constraints = [models.UniqueConstraint(fields=["retailer", "name"], name="uniq_outlet_name_per_retailer")]

    def __str__(self) -> str:
        return f"{self.retailer.name} {self.name}"


class OutletTerminal(models.Model):
    """Where a POS terminal is installed (terminals sit below retail and know nothing of outlets)."""

    terminal = models.OneToOneField("terminals.Terminal", on_delete=models.PROTECT, related_name="+")
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="terminals")

    def __str__(self) -> str:
        return f"{self.terminal_id} @ {self.outlet_id}"


class Cashier(models.Model):
    """A login (in the "Retail cashier" group) that sells at one outlet's POS page."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cashier")
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="cashiers")
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.outlet}"


class CommissionRate(models.Model):
    """What a retailer keeps of a sale, in basis points: for one product, or for a brand as a whole
    (product empty; also used for PINs). The most specific rate applies; none means no commission."""

    retailer = models.ForeignKey(Retailer, on_delete=models.CASCADE, related_name="commission_rates")
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rate_bp = models.PositiveIntegerField(help_text=_("Basis points: 450 = 4.5 %"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["retailer", "brand"], condition=models.Q(product__isnull=True), name="uniq_brand_rate"
            ),
            models.UniqueConstraint(
                fields=["retailer", "product"], condition=models.Q(product__isnull=False), name="uniq_product_rate"
            ),
            models.CheckConstraint(condition=models.Q(rate_bp__lte=5000), name="commission_at_most_half"),
        ]

    def __str__(self) -> str:
        return f"{self.retailer} {self.product or self.brand}: {self.rate_bp / 100:.2f} %"


class FloatDeposit(models.Model):
    """Money a retailer paid us to prefund its float (bank transfer received by the back office)."""

    retailer = models.ForeignKey(Retailer, on_delete=models.PROTECT, related_name="deposits")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    reference = models.CharField(max_length=80, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="deposit_positive")]

    def __str__(self) -> str:
        return f"{self.retailer} +{self.amount}"

    @property
    def journal_key(self) -> str:
        return f"retailer:{self.retailer_id}:deposit:{self.pk}"


class SaleKind(models.TextChoices):
    TOPUP = "topup", _("Top-up")
    BUNDLE = "bundle", _("Bundle")
    PIN = "pin", _("E-voucher PIN")
    CARD = "card", _("Scratch card")


class SaleStatus(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    VOIDED = "voided", _("Voided")


class Sale(models.Model):
    number = models.CharField(max_length=16, unique=True)
    retailer = models.ForeignKey(Retailer, on_delete=models.PROTECT, related_name="sales")
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="sales")
    terminal = models.ForeignKey(
        "terminals.Terminal", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=SaleKind.choices)
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    # Exactly one of order (top-up, bundle) and voucher (PIN, card).
    order = models.OneToOneField("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="sale")
    voucher = models.OneToOneField(
        "vouchers.Voucher", null=True, blank=True, on_delete=models.PROTECT, related_name="sale"
    )
    msisdn = models.CharField(max_length=16, blank=True)
    # What the customer paid; the retailer keeps the commission; its float paid amount - commission.
    amount = models.BigIntegerField()
    commission_amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=10, choices=SaleStatus.choices, default=SaleStatus.COMPLETED)
    created_at = models.DateTimeField()
    voided_at = models.DateTimeField(null=True, blank=True)
    # Not stored: the float's balance right after this sale, known from the sale's own journal.
    float_balance_after: int | None = None

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["retailer", "created_at"]), models.Index(fields=["outlet", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(order__isnull=False, voucher__isnull=True)
                | models.Q(order__isnull=True, voucher__isnull=False),
                name="sale_is_an_order_or_a_voucher",
            ),
            models.CheckConstraint(
                condition=models.Q(commission_amount__gte=0, commission_amount__lte=models.F("amount")),
                name="sale_commission_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def float_amount(self) -> int:
        """What the sale took from the float."""
        return self.amount - self.commission_amount

    @property
    def masked_number(self) -> str:
        return mask_msisdn(self.msisdn) if self.msisdn else ""
