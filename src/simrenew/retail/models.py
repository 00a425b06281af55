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
    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    kind = models.CharField(max_length=12, choices=RetailerKind.choices, verbose_name=_("kind"))
    vat_number = models.CharField(max_length=20, blank=True, verbose_name=_("VAT number"))
    contact_email = models.EmailField(blank=True, verbose_name=_("contact e-mail address"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("retailer")
        verbose_name_plural = _("retailers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def float_account_code(self) -> str:
        return f"retailer:{self.pk}:float"


class Outlet(models.Model):
    retailer = models.ForeignKey(Retailer, on_delete=models.PROTECT, related_name="outlets", verbose_name=_("retailer"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    street = models.CharField(max_length=120, blank=True, verbose_name=_("street and number"))
    postal_code = models.CharField(max_length=8, blank=True, verbose_name=_("postcode"))
    city = models.CharField(max_length=80, blank=True, verbose_name=_("city"))
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")
        ordering = ["retailer", "name"]
        constraints = [models.UniqueConstraint(fields=["retailer", "name"], name="uniq_outlet_name_per_retailer")]

    def __str__(self) -> str:
        return f"{self.retailer.name} {self.name}"


class OutletTerminal(models.Model):
    """Where a POS terminal is installed (terminals sit below retail and know nothing of outlets)."""

    terminal = models.OneToOneField(
        "terminals.Terminal", on_delete=models.PROTECT, related_name="+", verbose_name=_("terminal")
    )
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="terminals", verbose_name=_("outlet"))

    class Meta:
        verbose_name = _("outlet terminal")
        verbose_name_plural = _("outlet terminals")

    def __str__(self) -> str:
        return f"{self.terminal_id} @ {self.outlet_id}"


class Cashier(models.Model):
    """A login (in the "Retail cashier" group) that sells at one outlet's POS page."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cashier", verbose_name=_("user")
    )
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="cashiers", verbose_name=_("outlet"))
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("cashier")
        verbose_name_plural = _("cashiers")

    def __str__(self) -> str:
        return f"{self.user} @ {self.outlet}"


class CommissionRate(models.Model):
    """What a retailer keeps of a sale, in basis points: for one product, or for a brand as a whole
    (product empty; also used for PINs). The most specific rate applies; none means no commission."""

    retailer = models.ForeignKey(
        Retailer, on_delete=models.CASCADE, related_name="commission_rates", verbose_name=_("retailer")
    )
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+", verbose_name=_("brand"))
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    rate_bp = models.PositiveIntegerField(
        help_text=_("Basis points: 450 = 4.5 %"), verbose_name=_("commission (basis points)")
    )

    class Meta:
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
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

    retailer = models.ForeignKey(
        Retailer, on_delete=models.PROTECT, related_name="deposits", verbose_name=_("retailer")
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    reference = models.CharField(max_length=80, blank=True, verbose_name=_("reference"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("float top-up")
        verbose_name_plural = _("float top-ups")
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
    number = models.CharField(max_length=16, unique=True, verbose_name=_("number"))
    retailer = models.ForeignKey(Retailer, on_delete=models.PROTECT, related_name="sales", verbose_name=_("retailer"))
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="sales", verbose_name=_("outlet"))
    terminal = models.ForeignKey(
        "terminals.Terminal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("terminal"),
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cashier"),
    )
    kind = models.CharField(max_length=8, choices=SaleKind.choices, verbose_name=_("kind"))
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+", verbose_name=_("brand"))
    # Exactly one of order (top-up, bundle) and voucher (PIN, card).
    order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="sale", verbose_name=_("order")
    )
    voucher = models.OneToOneField(
        "vouchers.Voucher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sale",
        verbose_name=_("voucher"),
    )
    msisdn = models.CharField(max_length=16, blank=True, verbose_name=_("mobile number"))
    # What the customer paid; the retailer keeps the commission; its float paid amount - commission.
    amount = models.BigIntegerField(verbose_name=_("amount"))
    commission_amount = models.BigIntegerField(verbose_name=_("commission"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    status = models.CharField(
        max_length=10, choices=SaleStatus.choices, default=SaleStatus.COMPLETED, verbose_name=_("status")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    voided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("voided at"))
    # Not stored: the float's balance right after this sale, known from the sale's own journal.
    float_balance_after: int | None = None

    class Meta:
        verbose_name = _("retail sale")
        verbose_name_plural = _("retail sales")
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
