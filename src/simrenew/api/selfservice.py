"""What a line's own phone can do without the website, shared by the USSD menus and the SMS keywords:
find the calling line and the language to answer in, say its balance and bundle, buy a bundle from
its credit. Texts come out in the active language (callers wrap them in `translation.override`).
"""

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from simrenew.brands.models import PaymentMethod
from simrenew.catalog import queries as catalog
from simrenew.catalog.models import Product
from simrenew.charging import queries as usage
from simrenew.charging.quantities import quantity
from simrenew.customers.queries import holder_of
from simrenew.kit.money import babel_locale, format_money
from simrenew.lines import queries as line_queries
from simrenew.lines.models import BundlePeriod, Line, LineStatus
from simrenew.notifications.templatetags.formatting import sms
from simrenew.orders import service as orders
from simrenew.orders.models import Order
from simrenew.orders.quotes import quote_order

LANGUAGES = {code for code, _name in settings.LANGUAGES}
# Babel puts no-break and narrow no-break spaces in amounts ("12,50 €"); a phone shows a space.
_SPACES = str.maketrans({"\xa0": " ", "\u202f": " ", "\u2009": " "})


def plain(text: str) -> str:
    return text.translate(_SPACES)


def language_of(line: Line, fallback: str) -> str:
    """The line's language: its holder's (the account that linked it), else `fallback` (the gateway's)."""
    holder = holder_of(line)
    if holder is not None and holder.is_active and holder.language in LANGUAGES:
        return holder.language
    return fallback if fallback in LANGUAGES else settings.LANGUAGE_CODE


def money(amount: int, currency: str = "EUR") -> str:
    return plain(format_money(amount, currency, get_language() or "en"))


def day(value: datetime) -> str:
    """A date in digits (01/12/2026, 1/12/2026, 01.12.26, 2026/12/1): short, and no month names whose
    letters (août) a phone's 7-bit alphabet lacks."""
    return format_date(timezone.localtime(value).date(), format="short", locale=babel_locale(get_language() or "en"))


def allowances(period: BundlePeriod) -> str:
    """What is left of the bundle, as the account pages say it (the part of the next MB or minute used
    taken off)."""
    left = usage.allowance_left_units(period)
    data = _("unlimited data") if left["data"] is None else plain(quantity("data", left["data"]))
    voice = _("unlimited calls") if left["voice"] is None else plain(quantity("voice", left["voice"]))
    return ", ".join([data, voice, sms(period.sms_left)])


@dataclass(frozen=True)
class Balance:
    """A line's balance as a phone shows it, row by row; the bundle's name is the part a short screen
    may shorten (`rows(name=…)`)."""

    head: list[str]
    bundle_name: str  # "" when no bundle runs
    tail: list[str]

    def rows(self, name: str | None = None) -> list[str]:
        shown = self.bundle_name if name is None else name
        named = [_("Bundle: %(name)s") % {"name": shown}] if self.bundle_name else []
        return [*self.head, *named, *self.tail]


def balance(line: Line) -> Balance:
    """What `*100#` and `BAL` answer: credit, bonus, validity, and the bundle in use with what is left."""
    balances = line_queries.balances(line)
    head = [_("Credit %(amount)s") % {"amount": money(balances.credit_amount)}]
    if balances.bonus_amount:
        head.append(_("Bonus %(amount)s") % {"amount": money(balances.bonus_amount)})
    if line.credit_expires_at is not None:
        head.append(_("Valid until %(date)s") % {"date": day(line.credit_expires_at)})
    if line.status == LineStatus.GRACE:
        head.append(_("Receive only: top up to call again."))
    period = line_queries.current_period(line)
    if period is None:
        return Balance(head, "", [_("No bundle running.")])
    tail = [
        _("Until %(date)s") % {"date": day(period.ends_at)},
        _("Left: %(allowances)s") % {"allowances": allowances(period)},
    ]
    return Balance(head, period.product.name, tail)


def bundles(line: Line) -> list[Product]:
    """The brand's bundles on offer, in the catalogue's order (the numbers a menu shows)."""
    return list(catalog.bundles_for(line.brand).order_by("position", "price_amount", "pk"))


def bundle_by_code(line: Line, code: str) -> Product | None:
    """The bundle whose code is `code` exactly (letter case aside, as phones capitalise a message)."""
    offered = bundles(line)
    exact = [product for product in offered if product.code == code]
    if exact:
        return exact[0]
    folded = [product for product in offered if product.code.lower() == code.lower()]
    return folded[0] if len(folded) == 1 else None


def credit_total(line: Line) -> int:
    return line_queries.balances(line).total_amount


@dataclass(frozen=True)
class Bought:
    order: Order
    period: BundlePeriod | None


def buy_bundle(*, line: Line, product: Product, channel: str, language: str) -> Bought:
    """Buy `product` for `line` from its credit (InsufficientFunds, QuoteChanged… refuse and change
    nothing: the order is placed in a savepoint of the caller's transaction)."""
    quote = quote_order(line=line, product=product, method=PaymentMethod.CREDIT, channel=channel)
    with transaction.atomic():
        order = orders.place_order(quote=quote, customer=None, language=language)
    return Bought(order, BundlePeriod.objects.filter(order_id=order.pk).first())


def bought_text(bought: Bought, line: Line, *, name: str | None = None) -> str:
    """What a phone is told after buying a bundle: the bundle, when it runs, the credit left."""
    order, period = bought.order, bought.period
    shown = name if name is not None else (order.product.name if order.product else "")
    facts = {"bundle": shown, "credit": money(credit_total(line))}
    if period is not None and period.starts_at > order.created_at:
        return _("%(bundle)s starts %(start)s, after your current bundle. Credit now %(credit)s.") % {
            **facts,
            "start": day(period.starts_at),
        }
    until = day(period.ends_at) if period is not None else ""
    return _("%(bundle)s is active until %(until)s. Credit now %(credit)s.") % {**facts, "until": until}


def not_covered_text(*, line: Line, product: Product, how_to_top_up: str, name: str | None = None) -> str:
    return _("Your credit %(credit)s does not cover %(bundle)s (%(price)s). Top up: %(how)s") % {
        "credit": money(credit_total(line)),
        "bundle": product.name if name is None else name,
        "price": money(product.price_amount or 0, product.currency),
        "how": how_to_top_up,
    }
