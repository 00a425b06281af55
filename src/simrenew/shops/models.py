"""Operator shops, the staff who work in them, and what they sold at the counter.

A shop's cash is the ledger account `shop:{id}:till` (kind shop_cash); card payments at its
counter go to `shop:{id}:card`, the clearing account of its card terminal. Both take postings
without a cached balance (money we hold goes negative, see ledger.models).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from simrenew.staff.roles import SHOP_ASSISTANT, SHOP_MANAGER

# The staff roles' groups (simrenew.staff.roles defines them with their permissions).
ASSISTANT_GROUP = SHOP_ASSISTANT.group
MANAGER_GROUP = SHOP_MANAGER.group


class Shop(models.Model):
    code = models.SlugField(max_length=48, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    address = models.CharField(max_length=200, blank=True, verbose_name=_("address"))
    city = models.CharField(max_length=80, blank=True, verbose_name=_("city"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    # The Mollie card terminal on the counter (PAYMENT_TERMINAL=mollie); none: no card at this counter.
    card_terminal = models.ForeignKey(
        "payments.CardTerminal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shops",
        verbose_name=_("card terminal"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["name"]
        permissions = [
            ("use_shop_desk", "Can use the shop desk: find lines, identify holders, renew and top up"),
            ("view_all_tills", "Can see every staff member's till in the end-of-day report"),
            ("view_shop_audit_log", "Can read the shop desk audit log"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def till_account_code(self) -> str:
        return f"shop:{self.pk}:till"

    @property
    def card_account_code(self) -> str:
        return f"shop:{self.pk}:card"


class StaffProfile(models.Model):
    """What makes a login a shop staff account: customers have none and cannot use the shop desk."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_staff", verbose_name=_("user")
    )
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="staff", verbose_name=_("shop"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shop staff member")
        verbose_name_plural = _("shop staff members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.shop}"


class ShopSale(models.Model):
    """One renewal or top-up sold at a shop counter: who sold it, and how it was paid.

    The money is in the order's fulfilment journal (`order:{order_id}:fulfil`), which posts to
    the shop's till (cash) or card clearing account; the till report joins the two.
    """

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="sales", verbose_name=_("shop"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="shop_sale", verbose_name=_("order")
    )
    method = models.CharField(max_length=16, verbose_name=_("payment method"))
    amount = models.BigIntegerField(verbose_name=_("amount"))  # cents, what the customer paid (the order's total)
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    terminal_reference = models.CharField(max_length=64, blank=True, verbose_name=_("terminal reference"))
    authorisation_code = models.CharField(max_length=16, blank=True, verbose_name=_("authorisation code"))
    card_label = models.CharField(max_length=40, blank=True, verbose_name=_("card"))
    client_address = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("client IP address"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("shop sale")
        verbose_name_plural = _("shop sales")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["shop", "created_at"])]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.order_id}"
