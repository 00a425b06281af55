"""Double-entry ledger: append-only postings grouped in journals that sum to zero.

Sign convention: an account's balance is the sum of its postings. What we owe or earned
(a line's credit, a retailer's float, revenue, VAT payable) grows with positive postings;
money we hold or are owed (provider clearing, shop cash) and expenses go negative. Every
journal's postings sum to zero.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    LINE_CREDIT = "line_credit", _("line credit")
    LINE_BONUS = "line_bonus", _("line bonus credit")
    RETAILER_FLOAT = "retailer_float", _("retailer float")
    PROVIDER_CLEARING = "provider_clearing", _("payment provider clearing")
    SHOP_CASH = "shop_cash", _("shop cash")
    # Cash taken out of a kiosk or till, on its way to the bank.
    CASH_IN_TRANSIT = "cash_in_transit", _("cash in transit")
    # Counted cash minus expected: a surplus (positive) or a shortage (negative, an expense).
    CASH_DIFFERENCE = "cash_difference", _("cash difference")
    REVENUE = "revenue", _("revenue")
    FEE_REVENUE = "fee_revenue", _("fee revenue")
    VAT_PAYABLE = "vat_payable", _("VAT payable")
    PROMOTION_EXPENSE = "promotion_expense", _("promotion expense")
    COMMISSION_EXPENSE = "commission_expense", _("commission expense")
    BREAKAGE = "breakage", _("breakage (credit expired)")
    OPENING_BALANCE = "opening_balance", _("opening balance")
    # Refunds booked and owed to customers, until the provider has paid them out (orders.refunds).
    REFUNDS_PAYABLE = "refunds_payable", _("refunds payable")


class Account(models.Model):
    code = models.CharField(max_length=96, unique=True, verbose_name=_("code"))
    kind = models.CharField(max_length=24, choices=AccountKind.choices, verbose_name=_("kind"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    # Guarded accounts (a line's credit, a retailer's float) may never go below zero. They keep
    # a cached balance, changed only by ledger.service under this row's lock. Platform accounts
    # are not guarded: their balance is the sum of their postings, so no single row serialises
    # every sale.
    guarded = models.BooleanField(default=False, verbose_name=_("guarded"))
    balance_amount = models.BigIntegerField(default=0, verbose_name=_("balance"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(guarded=False) | models.Q(balance_amount__gte=0),
                name="guarded_account_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.code


class Journal(models.Model):
    # Unique business key: `order:{id}:fulfil` etc. Posting the same key twice is impossible,
    # which is what makes fulfilment happen exactly once.
    key = models.CharField(max_length=128, unique=True, verbose_name=_("key"))
    kind = models.CharField(max_length=32, verbose_name=_("kind"))
    memo = models.CharField(max_length=255, blank=True, verbose_name=_("memo"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    # Not stored: set by ledger.service.post_journal to the guarded accounts' balances after it.
    balances_after: dict[int, int]

    class Meta:
        # Scans of what happened since a moment (the low-credit job reads spending since its last run).
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [models.Index(fields=["created_at"], name="journal_created_at")]

    def __str__(self) -> str:
        return self.key


class Posting(models.Model):
    journal = models.ForeignKey(
        Journal, on_delete=models.PROTECT, related_name="postings", verbose_name=_("journal entry")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", verbose_name=_("ledger account")
    )
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        indexes = [models.Index(fields=["account", "journal"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"
