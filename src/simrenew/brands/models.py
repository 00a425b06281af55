"""Brands an operator (or MVNE) runs, with their rules, their legal seller and per-method payment fees."""

import contextlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from simrenew.kit.iban import validate_iban
from simrenew.kit.parse import is_ascii_digits
from simrenew.kit.vat_number import InvalidVatNumber, format_vat_number, parse_vat_number, validate_vat_number


class PaymentMethod(models.TextChoices):
    CARD = "creditcard", _("Card (Visa, Mastercard)")
    BANCONTACT = "bancontact", _("Bancontact")
    PAYPAL = "paypal", _("PayPal")
    BANK_TRANSFER = "banktransfer", _("Bank transfer")
    # Mollie's method ids. KBC/CBC is one method at Mollie: the customer picks the bank (the issuer).
    KBC = "kbc", _("KBC/CBC Payment Button")
    BELFIUS = "belfius", _("Belfius Pay Button")
    APPLE_PAY = "applepay", _("Apple Pay")
    CREDIT = "credit", _("Line credit")
    # Settled at once by the channel itself (offline channels):
    CASH = "cash", _("Cash")
    TERMINAL_CARD = "terminal_card", _("Card at the terminal")
    RETAILER_FLOAT = "retailer_float", _("Retailer float")
    VOUCHER = "voucher", _("Voucher")


# Methods whose money is already in hand when the order is placed: the caller passes a Funding.
SETTLED_AT_ONCE = {PaymentMethod.CASH, PaymentMethod.TERMINAL_CARD, PaymentMethod.RETAILER_FLOAT, PaymentMethod.VOUCHER}


# Offered to customers online, in this order. Apple Pay is offered to everyone: the checkout shows it
# only in a browser that has it (Safari with a card in the Wallet), so its choice says so.
ONLINE_METHODS = [
    PaymentMethod.BANCONTACT,
    PaymentMethod.KBC,
    PaymentMethod.BELFIUS,
    PaymentMethod.CARD,
    PaymentMethod.APPLE_PAY,
    PaymentMethod.PAYPAL,
    PaymentMethod.BANK_TRANSFER,
]
# What a method's choice adds to its name, where the customer needs to know before choosing.
METHOD_HINTS = {
    PaymentMethod.APPLE_PAY: _("in Safari on an iPhone, iPad or Mac with Apple Pay set up"),
}


def online_method_choices() -> list[tuple[str, Promise | str]]:
    """(value, label) of every online method for a form's radio buttons, with its hint if it has one;
    the labels stay lazy, so a form built at import time speaks each request's language."""
    return [
        (
            method.value,
            format_lazy("{} ({})", method.label, METHOD_HINTS[method]) if method in METHOD_HINTS else method.label,
        )
        for method in ONLINE_METHODS
    ]


# Reminder days: whole days before a bundle ends, "7,1" (commas or semicolons between them).
REMINDER_DAYS_MAX = 365
_REMINDER_SEPARATORS = re.compile(r"[,;]")


def _is_day(part: str) -> bool:
    return is_ascii_digits(part) and len(part) <= 6 and 1 <= int(part) <= REMINDER_DAYS_MAX  # bounded: no huge int()


def reminder_days_of(text: str) -> list[int]:
    """The days of `text` ("30,7") in ascending order, each once. A part that is not a day (ASCII digits,
    1 to REMINDER_DAYS_MAX) is skipped: a setting typed wrong still sends the reminders it names."""
    return sorted({int(part) for part in (p.strip() for p in _REMINDER_SEPARATORS.split(text or "")) if _is_day(part)})


def validate_reminder_days(text: str) -> None:
    """Every part of `text` a day (ASCII digits, 1 to REMINDER_DAYS_MAX): "7,1" or "30; 7; 1"."""
    if not all(_is_day(part.strip()) for part in _REMINDER_SEPARATORS.split(text or "")):
        raise ValidationError(
            _("Give whole days before a bundle ends, separated by commas, each from 1 to %(maximum)s, e.g. 7,1."),
            code="invalid_reminder_days",
            params={"maximum": REMINDER_DAYS_MAX},
        )


class Brand(models.Model):
    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=80, verbose_name=_("name"))
    primary_colour = models.CharField(max_length=7, default="#1f3a93", verbose_name=_("primary colour"))
    accent_colour = models.CharField(max_length=7, default="#f5a623", verbose_name=_("accent colour"))
    support_phone = models.CharField(max_length=32, blank=True, verbose_name=_("customer service phone number"))
    support_email = models.EmailField(blank=True, verbose_name=_("customer service e-mail address"))
    # Official web domains, one per line: customers check these before paying (anti-phishing).
    official_domains = models.TextField(blank=True, verbose_name=_("official domains"))
    # Credit stays valid this many days after the last top-up.
    credit_validity_days = models.PositiveIntegerField(default=365, verbose_name=_("credit valid for (days)"))
    # Receive-only days after credit validity lapses, before suspension.
    grace_days = models.PositiveIntegerField(default=30, verbose_name=_("grace period (days)"))
    # Days before a bundle ends that its holder is reminded, e.g. "7,1".
    reminder_days = models.CharField(
        max_length=32, default="7,1", validators=[validate_reminder_days], verbose_name=_("reminders (days before)")
    )
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    # The seller on every receipt (a simplified invoice): the legal entity, its address and VAT number.
    legal_name = models.CharField(max_length=120, blank=True, verbose_name=_("legal name"))
    legal_street = models.CharField(max_length=120, blank=True, verbose_name=_("registered office street and number"))
    legal_postal_code = models.CharField(max_length=8, blank=True, verbose_name=_("registered office postcode"))
    legal_city = models.CharField(max_length=80, blank=True, verbose_name=_("registered office city"))
    # The city as other languages name it, by language code ({"nl": "Brussel", "zh-hans": "布鲁塞尔"}):
    # a receipt speaks its buyer's language; `legal_city` stands in for any language not given.
    legal_cities = models.JSONField(
        default=dict,
        blank=True,
        verbose_name=_("registered office city in other languages"),
        help_text=_(
            'By language code, e.g. {"nl": "Brussel", "fr": "Bruxelles"}; the city above is shown for any '
            "language not given."
        ),
    )
    # "BE0202239951" (stored without spaces or dots; shown as "BE 0202.239.951").
    vat_number = models.CharField(
        max_length=20, blank=True, validators=[validate_vat_number], verbose_name=_("VAT number")
    )
    # Leftover credit: whether a customer whose line was terminated or ported out may ask for its
    # paid credit back by bank transfer (bonus credit never is), and the fee kept (cents, VAT
    # included) from each such payout.
    leftover_refund_enabled = models.BooleanField(default=False)
    leftover_refund_fee = models.BigIntegerField(default=0)
    # The brand's own account the payouts are sent from (the debtor of its SEPA transfer files).
    payout_iban = models.CharField(max_length=34, blank=True, validators=[validate_iban])
    payout_bic = models.CharField(max_length=11, blank=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        # An invalid number is left as typed: the field's validator reports it next to the field.
        if self.vat_number:
            with contextlib.suppress(InvalidVatNumber):
                self.vat_number = parse_vat_number(self.vat_number)

    @property
    def vat_number_display(self) -> str:
        return format_vat_number(self.vat_number) if self.vat_number else ""

    def legal_city_in(self, language: str) -> str:
        """The registered office's city as `language` names it when given for it, else `legal_city`."""
        given = self.legal_cities.get(language) if isinstance(self.legal_cities, dict) else None
        return str(given) if given else self.legal_city

    def legal_address_in(self, language: str) -> str:
        """ "Boulevard du Roi Albert II 27, 1030 Brussel": the street, postcode and city, the city in `language`."""
        place = " ".join(part for part in (self.legal_postal_code, self.legal_city_in(language)) if part)
        return ", ".join(part for part in (self.legal_street, place) if part)

    @property
    def legal_address(self) -> str:
        """The registered office in the active language: receipts and e-mails are rendered in their reader's."""
        return self.legal_address_in(get_language() or settings.LANGUAGE_CODE)

    @property
    def domains(self) -> list[str]:
        return [d.strip() for d in self.official_domains.splitlines() if d.strip()]


class PaymentMethodFee(models.Model):
    """What a brand charges the customer for paying with one method; shown in every quote."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="fees", verbose_name=_("brand"))
    method = models.CharField(max_length=16, choices=PaymentMethod.choices, verbose_name=_("payment method"))
    fixed_amount = models.BigIntegerField(default=0, verbose_name=_("fixed fee"))  # cents, VAT included
    percent_bp = models.PositiveIntegerField(
        default=0, verbose_name=_("percentage (basis points)")
    )  # basis points of the price
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))

    class Meta:
        verbose_name = _("payment method fee")
        verbose_name_plural = _("payment method fees")
        constraints = [models.UniqueConstraint(fields=["brand", "method"], name="uniq_brand_method_fee")]

    def __str__(self) -> str:
        return f"{self.brand.code} {self.method}"
