"""Promotions (discounts on bundles, bonus credit on top-ups, promo codes) and their redemptions."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class PromotionKind(models.TextChoices):
    FIRST_BUNDLE = "first_bundle", _("A new line's first bundle free or discounted")
    BUNDLE_DISCOUNT = "bundle_discount", _("Percentage or amount off bundles")
    TOPUP_BONUS = "topup_bonus", _("Bonus credit on a top-up")


class PromotionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class Promotion(models.Model):
    code = models.SlugField(
        max_length=48, unique=True, help_text=_("Internal name, e.g. welcome-2026"), verbose_name=_("code")
    )
    # What customers read in quotes, receipts and e-mails: {"en": "...", "nl": "...", ...}.
    names = models.JSONField(default=dict, verbose_name=_("names"))
    kind = models.CharField(max_length=16, choices=PromotionKind.choices, verbose_name=_("kind"))
    status = models.CharField(
        max_length=8, choices=PromotionStatus.choices, default=PromotionStatus.DRAFT, verbose_name=_("status")
    )

    # Eligibility. Empty means "any": every brand, every product of the kind, every channel.
    brand = models.ForeignKey(
        "brands.Brand", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("brand")
    )
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    channels = models.JSONField(default=list, blank=True, verbose_name=_("channels"))
    # Customers must type this code (stored in capitals); empty: applies without a code.
    promo_code = models.CharField(max_length=32, blank=True, db_index=True, verbose_name=_("promo code"))
    new_lines_only = models.BooleanField(default=False, verbose_name=_("new lines only"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ends at"))
    per_line_limit = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("limit per line"))
    per_customer_limit = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("limit per customer"))
    stackable = models.BooleanField(
        default=False, help_text=_("May be combined with other stackable offers"), verbose_name=_("stackable")
    )

    # What it gives. Bundles: percent (basis points, 10000 = free) and/or an amount off, VAT included.
    percent_bp = models.PositiveIntegerField(default=0, verbose_name=_("percentage (basis points)"))
    amount_off = models.BigIntegerField(default=0, verbose_name=_("amount off"))
    # Top-ups: bonus credit (fixed and/or a percentage of the top-up), valid this many days.
    bonus_amount = models.BigIntegerField(default=0, verbose_name=_("bonus credit"))
    bonus_percent_bp = models.PositiveIntegerField(default=0, verbose_name=_("bonus (basis points)"))
    bonus_validity_days = models.PositiveIntegerField(default=31, verbose_name=_("bonus credit valid for (days)"))
    min_topup_amount = models.BigIntegerField(null=True, blank=True, verbose_name=_("minimum top-up"))
    # The top-up must come within this many days of the line's previous top-up.
    within_days_of_previous_topup = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("within days of the previous top-up")
    )

    # Budget: the most all redemptions together may cost (discounts + bonus), and what they cost so
    # far, reserved when an order is placed and given back if it is never paid. The check
    # constraint is the last guard: no concurrent orders can take `spent_amount` past the budget.
    budget_amount = models.BigIntegerField(null=True, blank=True, verbose_name=_("budget"))
    spent_amount = models.BigIntegerField(default=0, verbose_name=_("spent"))
    redemptions_count = models.PositiveIntegerField(default=0, verbose_name=_("redemptions"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-starts_at", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_amount__isnull=True) | models.Q(spent_amount__lte=models.F("budget_amount")),
                name="promotion_within_budget",
            ),
            models.CheckConstraint(condition=models.Q(spent_amount__gte=0), name="promotion_spent_not_negative"),
            models.CheckConstraint(condition=models.Q(percent_bp__lte=10000), name="promotion_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.code

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.code

    @property
    def name(self) -> str:
        return self.name_in((get_language() or "en").lower())

    @property
    def remaining_budget(self) -> int | None:
        return None if self.budget_amount is None else self.budget_amount - self.spent_amount


class RedemptionStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved (order not paid yet)")
    REDEEMED = "redeemed", _("Redeemed")
    RELEASED = "released", _("Released (not paid, or voided)")


class Redemption(models.Model):
    promotion = models.ForeignKey(
        Promotion, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("promotion")
    )
    order_id = models.BigIntegerField(verbose_name=_("order"))  # orders.Order (orders sits above promotions)
    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="+", verbose_name=_("line"))
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
    )
    discount_amount = models.BigIntegerField(default=0, verbose_name=_("discount"))
    bonus_amount = models.BigIntegerField(default=0, verbose_name=_("bonus credit"))
    status = models.CharField(
        max_length=8, choices=RedemptionStatus.choices, default=RedemptionStatus.RESERVED, verbose_name=_("status")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    redeemed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("redeemed at"))
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released at"))

    class Meta:
        verbose_name = _("promotion redemption")
        verbose_name_plural = _("promotion redemptions")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["promotion", "order_id"], name="uniq_redemption_per_order")]
        indexes = [models.Index(fields=["order_id"]), models.Index(fields=["promotion", "line", "status"])]

    def __str__(self) -> str:
        return f"{self.promotion_id} order {self.order_id}"

    @property
    def cost_amount(self) -> int:
        return self.discount_amount + self.bonus_amount
