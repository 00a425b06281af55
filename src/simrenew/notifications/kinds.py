"""What each kind of notification says, by e-mail and by SMS, built in the recipient's language.

Callers give plain facts (a product, datetimes, amounts in cents, a reason); `compose` turns them
into a subject, paragraphs, an optional table (the receipt of a renewal) and an SMS text. It runs
inside `translation.override(language)`, so dates and money come out in the recipient's own style.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext, pgettext

from simrenew.kit.money import format_money
from simrenew.kit.phone import format_msisdn, mask_msisdn
from simrenew.notifications.models import NotificationKind
from simrenew.notifications.templatetags.formatting import data_mb

Facts = dict[str, Any]


@dataclass
class Message:
    subject: str
    paragraphs: list[str]
    sms: str
    action_label: str = ""
    action_url: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)


# (email on, sms on) when the customer has not chosen; marketing is never on by default.
DEFAULT_CHANNELS: dict[str, tuple[bool, bool]] = {
    NotificationKind.EXPIRING_SOON: (True, True),
    NotificationKind.EXPIRED: (True, True),
    NotificationKind.RENEWED: (True, True),
    NotificationKind.AUTO_RENEW_FAILED: (True, True),
    NotificationKind.LOW_CREDIT: (True, True),
    NotificationKind.DATA_80: (False, True),
    NotificationKind.DATA_100: (True, True),
    NotificationKind.CREDIT_ENDING: (True, True),
    NotificationKind.LINE_GRACE: (True, True),
    NotificationKind.LINE_SUSPENDED: (True, True),
    NotificationKind.MARKETING: (False, False),
}
# Kinds a customer may choose channels for on the preferences page (marketing has its own consent).
SERVICE_KINDS = [kind for kind in DEFAULT_CHANNELS if kind != NotificationKind.MARKETING]


def date(value: datetime | None) -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), "DATE_FORMAT")


def money(amount: int | None, currency: str = "EUR") -> str:
    return format_money(int(amount or 0), currency, get_language() or "en")


def portal_url(name: str, **kwargs: Any) -> str:
    try:
        return settings.PUBLIC_URL + reverse(f"portal:{name}", kwargs=kwargs or None)
    except NoReverseMatch:
        return settings.PUBLIC_URL + "/"


def _common(facts: Facts) -> dict[str, str]:
    product = facts.get("product")
    language = get_language() or "en"
    return {
        "brand": str(facts.get("brand", "")),
        "number": format_msisdn(facts["msisdn"]) if facts.get("msisdn") else "",
        "masked": mask_msisdn(facts["msisdn"]) if facts.get("msisdn") else "",
        "product": product.name_in(language) if product is not None else "",
        "starts_at": date(facts.get("starts_at")),
        "ends_at": date(facts.get("ends_at")),
        "price": money(facts.get("price_amount")),
        "total": money(facts.get("total_amount")),
        "balance": money(facts.get("balance_amount")),
        "retry_at": date(facts.get("retry_at")),
        "cap": money(facts.get("cap_amount")),
        "credit_expires_at": date(facts.get("credit_expires_at")),
        "grace_ends_at": date(facts.get("grace_ends_at")),
        "breakage": money(facts.get("breakage_amount")),
        "data_left": data_mb(facts.get("data_left_mb")),
        "days": str(facts.get("days", "")),
        "grace_days": str(facts.get("grace_days", "")),
        "account_url": portal_url("account"),
        "topup_url": portal_url("topup"),
    }


def _expiring_soon(facts: Facts, v: dict[str, str]) -> Message:
    subject = gettext("Your bundle %(product)s ends on %(ends_at)s") % v
    lead = gettext("Your bundle %(product)s on %(masked)s (%(brand)s) ends on %(ends_at)s.") % v
    if facts.get("auto_renew"):
        return Message(
            subject,
            [
                lead,
                gettext(
                    "Auto-renew is on: we renew it that day for %(price)s, "
                    "from your credit or your saved payment method."
                )
                % v,
            ],
            gettext(
                "%(brand)s: your bundle %(product)s ends on %(ends_at)s. Auto-renew is on: it renews for %(price)s."
            )
            % v,
            gettext("Manage auto-renew"),
            v["account_url"],
        )
    return Message(
        subject,
        [lead, gettext("Renew it in time to go on without a gap: a renewal now starts when the current bundle ends.")],
        gettext("%(brand)s: your bundle %(product)s ends on %(ends_at)s. Renew it at %(account_url)s") % v,
        gettext("Renew bundle"),
        v["account_url"],
    )


def _expired(facts: Facts, v: dict[str, str]) -> Message:
    return Message(
        gettext("Your bundle %(product)s has ended") % v,
        [
            gettext(
                "Your bundle %(product)s on %(masked)s (%(brand)s) ended on %(ends_at)s; "
                "its unused allowances have lapsed."
            )
            % v,
            gettext("Renew to get a new bundle straight away."),
        ],
        gettext("%(brand)s: your bundle %(product)s ended on %(ends_at)s. Renew at %(account_url)s") % v,
        gettext("Renew bundle"),
        v["account_url"],
    )


def _receipt_rows(facts: Facts, v: dict[str, str]) -> list[tuple[str, str]]:
    if not facts.get("order_number"):
        return []
    rows = [(gettext("Order"), str(facts["order_number"])), (gettext("Price"), money(facts.get("list_amount")))]
    if facts.get("discount_amount"):
        label = str(facts.get("discount_label") or "")
        rows.append((gettext("Discount"), f"-{money(facts['discount_amount'])}" + (f" ({label})" if label else "")))
    rows += [
        (gettext("Payment fee"), money(facts.get("fee_amount"))),
        (gettext("Total paid"), v["total"]),
        (gettext("of which VAT (21 %)"), money(facts.get("vat_amount"))),
        (gettext("Payment method"), str(facts.get("method", ""))),
    ]
    if facts.get("receipt_number"):
        rows += [
            (gettext("Receipt"), str(facts["receipt_number"])),
            (gettext("Verification code"), str(facts.get("receipt_code", ""))),
        ]
    return rows


def _renewed(facts: Facts, v: dict[str, str]) -> Message:
    if facts.get("auto"):
        subject = gettext("Your bundle %(product)s was renewed automatically") % v
    else:
        subject = gettext("Your bundle %(product)s is renewed") % v
    action_url = ""
    if facts.get("receipt_number"):
        action_url = portal_url("receipt", number=facts["receipt_number"]) + f"?code={facts.get('receipt_code', '')}"
    return Message(
        subject,
        [gettext("Your bundle %(product)s on %(masked)s (%(brand)s) runs from %(starts_at)s to %(ends_at)s.") % v],
        gettext("%(brand)s: your bundle %(product)s is renewed until %(ends_at)s (%(total)s).") % v,
        gettext("View and download your receipt") if action_url else "",
        action_url,
        _receipt_rows(facts, v),
    )


def _auto_renew_failed(facts: Facts, v: dict[str, str]) -> Message:
    reason = facts.get("reason", "")
    if reason == "payment_failed" and facts.get("retry_at"):
        text = gettext(
            "The payment of %(price)s to renew %(product)s on %(masked)s failed. We will try again on %(retry_at)s."
        )
        sms = gettext("%(brand)s: the payment to renew %(product)s failed. We try again on %(retry_at)s.")
    elif reason == "payment_failed":
        text = gettext(
            "The payment to renew %(product)s on %(masked)s failed again, so auto-renew is now off. "
            "Renew it in the portal."
        )
        sms = gettext("%(brand)s: renewing %(product)s failed again; auto-renew is off. Renew at %(account_url)s")
    elif reason == "spending_cap":
        text = gettext(
            "Renewing %(product)s for %(price)s would go over your monthly limit for automatic renewals (%(cap)s), "
            "so it was not renewed. Renew it by hand or raise the limit."
        )
        sms = gettext("%(brand)s: %(product)s was not renewed: your monthly auto-renew limit (%(cap)s) is reached.")
    elif reason == "product_unavailable":
        text = gettext(
            "%(product)s is no longer offered, so it could not renew automatically. "
            "Choose another bundle in the portal."
        )
        sms = gettext("%(brand)s: %(product)s is no longer offered and was not renewed. Choose at %(account_url)s")
    elif reason == "other":
        text = gettext("We could not renew %(product)s on %(masked)s automatically. Renew it in the portal.")
        sms = gettext("%(brand)s: %(product)s could not renew automatically. Renew at %(account_url)s")
    else:
        text = gettext(
            "We could not renew %(product)s on %(masked)s automatically: your credit (%(balance)s) does not cover "
            "%(price)s and no payment method is saved. Top up or renew in the portal."
        )
        sms = gettext("%(brand)s: %(product)s could not renew: your credit does not cover %(price)s. %(topup_url)s")
    return Message(
        gettext("Your bundle %(product)s was not renewed automatically") % v,
        [text % v],
        sms % v,
        gettext("Renew bundle"),
        v["account_url"],
    )


def _low_credit(facts: Facts, v: dict[str, str]) -> Message:
    return Message(
        gettext("Your credit is low: %(balance)s") % v,
        [gettext("The credit on %(masked)s (%(brand)s) is down to %(balance)s.") % v],
        gettext("%(brand)s: your credit is down to %(balance)s. Top up at %(topup_url)s") % v,
        gettext("Top up"),
        v["topup_url"],
    )


def _data(facts: Facts, v: dict[str, str], *, all_used: bool) -> Message:
    if all_used:
        return Message(
            gettext("You have used all the data of %(product)s") % v,
            [
                gettext(
                    "You have used all the data of your bundle %(product)s on %(masked)s. "
                    "Renew it or choose a bigger bundle to go on."
                )
                % v
            ],
            gettext("%(brand)s: you have used all the data of %(product)s. Renew at %(account_url)s") % v,
            gettext("Renew bundle"),
            v["account_url"],
        )
    return Message(
        gettext("You have used 80 %% of the data of %(product)s") % v,
        [
            gettext(
                "You have used 80 %% of the data of your bundle %(product)s on %(masked)s: "
                "%(data_left)s left until %(ends_at)s."
            )
            % v
        ],
        gettext("%(brand)s: 80 %% of the data of %(product)s used, %(data_left)s left until %(ends_at)s.") % v,
        gettext("My account"),
        v["account_url"],
    )


def _credit_ending(facts: Facts, v: dict[str, str]) -> Message:
    return Message(
        gettext("Your credit stays valid until %(credit_expires_at)s") % v,
        [
            gettext("The credit on %(masked)s (%(brand)s, %(balance)s) stays valid until %(credit_expires_at)s.") % v,
            gettext(
                "Top up or renew before then to keep your line active. After that date it only receives calls "
                "and SMS for %(grace_days)s days, then it is suspended and the credit left is lost."
            )
            % v,
        ],
        gettext("%(brand)s: your credit stays valid until %(credit_expires_at)s. Top up in time: %(topup_url)s") % v,
        gettext("Top up"),
        v["topup_url"],
    )


def _line_grace(facts: Facts, v: dict[str, str]) -> Message:
    return Message(
        gettext("Your line now only receives calls and SMS"),
        [
            gettext(
                "The credit validity of %(masked)s (%(brand)s) ended on %(credit_expires_at)s. "
                "Until %(grace_ends_at)s the line only receives calls and SMS."
            )
            % v,
            gettext("Top up or renew before then to reactivate it and keep your credit."),
        ],
        gettext("%(brand)s: your line only receives calls until %(grace_ends_at)s. Top up: %(topup_url)s") % v,
        gettext("Top up"),
        v["topup_url"],
    )


def _line_suspended(facts: Facts, v: dict[str, str]) -> Message:
    paragraphs = [
        gettext("%(masked)s (%(brand)s) is suspended: its credit validity ended and the grace period is over.") % v
    ]
    if facts.get("breakage_amount"):
        paragraphs.append(gettext("The credit left on the line (%(breakage)s) has lapsed.") % v)
    paragraphs.append(gettext("Top up to reactivate the line."))
    return Message(
        gettext("Your line is suspended"),
        paragraphs,
        gettext("%(brand)s: your line is suspended. Top up to reactivate it: %(topup_url)s") % v,
        gettext("Top up"),
        v["topup_url"],
    )


def _marketing(facts: Facts, v: dict[str, str]) -> Message:
    text = str(facts.get("text", ""))
    return Message(str(facts.get("subject", pgettext("marketing", "Offers"))), [text], text)


COMPOSERS: dict[str, Callable[[Facts, dict[str, str]], Message]] = {
    NotificationKind.EXPIRING_SOON: _expiring_soon,
    NotificationKind.EXPIRED: _expired,
    NotificationKind.RENEWED: _renewed,
    NotificationKind.AUTO_RENEW_FAILED: _auto_renew_failed,
    NotificationKind.LOW_CREDIT: _low_credit,
    NotificationKind.DATA_80: lambda facts, v: _data(facts, v, all_used=False),
    NotificationKind.DATA_100: lambda facts, v: _data(facts, v, all_used=True),
    NotificationKind.CREDIT_ENDING: _credit_ending,
    NotificationKind.LINE_GRACE: _line_grace,
    NotificationKind.LINE_SUSPENDED: _line_suspended,
    NotificationKind.MARKETING: _marketing,
}


def compose(kind: str, facts: Facts) -> Message:
    """The message for `kind` in the active language."""
    return COMPOSERS[kind](facts, _common(facts))
