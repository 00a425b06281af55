"""Operator shops, the staff who work in them, and what they sold at the counter.

A shop's cash is the ledger account `shop:{id}:till` (kind shop_cash); card payments at its
counter go to `shop:{id}:card`, the clearing account of its card terminal. Both take postings
without a cached balance (money we hold goes negative, see ledger.models).
"""

from django.conf import settings
from django.db import models

from simrenew.staff.roles import SHOP_ASSISTANT, SHOP_MANAGER

# The staff roles' groups (simrenew.staff.roles defines them with their permissions).
ASSISTANT_GROUP = SHOP_ASSISTANT.group
MANAGER_GROUP = SHOP_MANAGER.group


class Shop(models.Model):
    code = models.SlugField(max_length=48, unique=True)
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=80, blank=True)
    active = models.BooleanField(default=True)
    # The Mollie card terminal on the counter (PAYMENT_TERMINAL=mollie); none: no card at this counter.
    card_terminal = models.ForeignKey(
        "payments.CardTerminal", null=True, blank=True, on_delete=models.SET_NULL, related_name="shops"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_staff")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="staff")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.shop}"


class ShopSale(models.Model):
    """One renewal or top-up sold at a shop counter: who sold it, and how it was paid.

    The money is in the order's fulfilment journal (`order:{order_id}:fulfil`), which posts to
    the shop's till (cash) or card clearing account; the till report joins the two.
    """

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="sales")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="shop_sale")
    method = models.CharField(max_length=16)
    amount = models.BigIntegerField()  # cents, what the customer paid (the order's total)
    currency = models.CharField(max_length=3, default="EUR")
    terminal_reference = models.CharField(max_length=64, blank=True)
    authorisation_code = models.CharField(max_length=16, blank=True)
    card_label = models.CharField(max_length=40, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["shop", "created_at"])]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.order_id}"
