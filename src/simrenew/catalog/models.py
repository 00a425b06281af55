"""What a brand sells: renewal bundles and top-ups, with names in every language."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from simrenew.brands.models import Brand


class ProductKind(models.TextChoices):
    BUNDLE = "bundle", _("Bundle")
    TOPUP = "topup", _("Top-up")


class Product(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="products", verbose_name=_("brand"))
    code = models.SlugField(max_length=48, verbose_name=_("code"))
    kind = models.CharField(max_length=8, choices=ProductKind.choices, verbose_name=_("kind"))
    # {"en": "...", "nl": "...", ...}; falls back to English.
    names = models.JSONField(default=dict, verbose_name=_("names"))
    descriptions = models.JSONField(default=dict, blank=True, verbose_name=_("descriptions"))
    position = models.PositiveIntegerField(default=0, verbose_name=_("position"))
    active = models.BooleanField(default=True, verbose_name=_("active"))

    # Bundle: price (VAT included) and allowances; a NULL allowance means unlimited.
    price_amount = models.BigIntegerField(null=True, blank=True, verbose_name=_("price (cents)"))
    data_mb = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("data (MB)"))
    voice_minutes = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("call minutes"))
    sms_count = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("SMS"))
    validity_days = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("valid for (days)"))
    auto_renewable = models.BooleanField(default=True, verbose_name=_("can be auto-renewed"))
    # Unused allowances move to the next period when it follows straight on (a renewal in time);
    # otherwise they lapse when the period ends.
    allowances_roll_over = models.BooleanField(default=False, verbose_name=_("unused allowances roll over"))

    # Top-up: either a list of fixed amounts in cents, or a range with a step.
    topup_amounts = models.JSONField(default=list, blank=True, verbose_name=_("suggested top-up amounts"))
    topup_min_amount = models.BigIntegerField(null=True, blank=True, verbose_name=_("minimum top-up"))
    topup_max_amount = models.BigIntegerField(null=True, blank=True, verbose_name=_("maximum top-up"))
    topup_step_amount = models.BigIntegerField(null=True, blank=True, verbose_name=_("top-up step"))

    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["brand", "kind", "position", "price_amount"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="uniq_product_code_per_brand"),
            models.CheckConstraint(
                condition=~models.Q(kind="bundle") | (models.Q(price_amount__gt=0) & models.Q(validity_days__gt=0)),
                name="bundle_has_price_and_validity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand.code}:{self.code}"

    @property
    def name(self) -> str:
        language = (get_language() or "en").lower()
        return self.names.get(language) or self.names.get("en") or self.code

    @property
    def description(self) -> str:
        language = (get_language() or "en").lower()
        return self.descriptions.get(language) or self.descriptions.get("en") or ""

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.code

    @property
    def is_bundle(self) -> bool:
        return self.kind == ProductKind.BUNDLE

    def topup_choices(self) -> list[int]:
        if self.topup_amounts:
            return sorted(int(a) for a in self.topup_amounts)
        if self.topup_min_amount and self.topup_max_amount and self.topup_step_amount:
            return list(range(self.topup_min_amount, self.topup_max_amount + 1, self.topup_step_amount))
        return []

    def accepts_topup(self, amount: int) -> bool:
        if self.topup_amounts:
            return amount in {int(a) for a in self.topup_amounts}
        if self.topup_min_amount is None or self.topup_max_amount is None or not self.topup_step_amount:
            return False
        return (
            self.topup_min_amount <= amount <= self.topup_max_amount
            and (amount - self.topup_min_amount) % self.topup_step_amount == 0
        )
