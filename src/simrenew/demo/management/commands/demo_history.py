"""`simrenew demo_history`: a month of sales for the demo's reports and daily reconciliation, made
through the real services at moments in the past: POS top-ups, bundles and e-PINs at the demo
retailers (each morning a retailer prepays its float for the day), PIN redemptions, cash sales at the
shop desks and kiosks, and portal top-ups and renewals paid in the payment sandbox (its webhook fulfils them),
a few with the running promotions, two refunded. Then yesterday is reconciled. Runs once: a second
run finds the record of the first and adds nothing.

The README's named demo lines and the lines customers hold are left alone.
"""

import heapq
import itertools
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation

from simrenew.audit import service as audit
from simrenew.audit.models import AuditEntry
from simrenew.brands.models import Brand, PaymentMethod
from simrenew.catalog.models import Product, ProductKind
from simrenew.customers.models import User
from simrenew.demo import catalogue
from simrenew.demo.inprocess import serving_in_process
from simrenew.finance import service as finance
from simrenew.kiosks import service as kiosks
from simrenew.kiosks.models import Kiosk, Purpose
from simrenew.kit import clock
from simrenew.kit.money import format_money, percent_of
from simrenew.lines.models import IdentityStatus, Line, LineStatus
from simrenew.orders import quotes, refunds
from simrenew.orders import service as orders
from simrenew.orders.models import Channel, Order, OrderStatus
from simrenew.payments.cash_acceptor import Inserted
from simrenew.payments.models import Payment, PaymentStatus
from simrenew.promotions.models import Promotion, PromotionStatus
from simrenew.retail import service as retail
from simrenew.retail.management.commands.demo_retail import RETAILERS
from simrenew.retail.models import Outlet
from simrenew.retail.queries import day_bounds
from simrenew.sandbox import service as sandbox
from simrenew.shops import service as shops
from simrenew.shops.models import StaffProfile
from simrenew.vouchers import service as vouchers
from simrenew.web.portal.checkout_views import payment_url

DONE = "demo.history_loaded"  # the audit record of a run: its presence makes the command a no-op
DAYS = 30
LANGUAGES = ["nl", "fr", "en", "nl", "fr", "de", "zh-hans"]  # buyers' languages, roughly as in Brussels
WEB_METHODS = [PaymentMethod.BANCONTACT] * 5 + [PaymentMethod.CARD] * 2 + [PaymentMethod.PAYPAL, PaymentMethod.BELFIUS]
IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
# Kinds of sale and how often each comes, per 100 sales.
MIX = {"pos_topup": 27, "pos_bundle": 13, "pin": 10, "shop": 12, "kiosk": 6, "web_topup": 19, "web_bundle": 13}
NOTES = (500, 1000, 2000)  # what people feed a kiosk's note acceptor


@dataclass(order=True)
class Event:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    orders: int = 0


def _topup_amounts(product: Product) -> list[int]:
    if product.topup_amounts:
        return [int(a) for a in product.topup_amounts]
    assert product.topup_min_amount is not None and product.topup_max_amount is not None
    step = product.topup_step_amount or 500
    return [a for a in range(product.topup_min_amount, product.topup_max_amount + 1, step) if a <= 5000]


def _local(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_default_timezone())


class History:
    """The month, planned with a fixed seed and played in order of time."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.rng = random.Random(1313)
        self.today = timezone.localdate(now)
        self.queue: list[Event] = []
        self.seq = itertools.count()
        self.tally = Tally()
        readme = {catalogue.demo_number(b["code"], i) for b in catalogue.BRANDS for i in range(1, 6)}
        self.lines = list(
            Line.objects.filter(
                status=LineStatus.ACTIVE,
                identity_status=IdentityStatus.IDENTIFIED,
                activated_at__lt=now - timedelta(days=DAYS + 1),
            )
            .exclude(msisdn__in=readme)
            .exclude(holdings__isnull=False)
            .exclude(links__isnull=False)
            .select_related("brand")
            .order_by("pk")
        )
        if not self.lines:
            raise CommandError("No demo lines to sell to: run `simrenew demo_data` and `demo_offline` first.")
        self.bundles = {
            brand.pk: list(Product.objects.filter(brand=brand, kind=ProductKind.BUNDLE, active=True).order_by("pk"))
            for brand in Brand.objects.all()
        }
        self.topups = {
            p.brand_id: p for p in Product.objects.filter(kind=ProductKind.TOPUP, active=True).order_by("pk")
        }
        self.outlets = list(Outlet.objects.filter(active=True, retailer__active=True).select_related("retailer"))
        self.shop_staff = list(StaffProfile.objects.filter(shop__active=True).select_related("shop", "user"))
        if not self.outlets or not self.shop_staff:
            raise CommandError("No demo retailers or shops: run `simrenew demo_offline` and `demo_retail` first.")
        self.kiosks = list(Kiosk.objects.filter(active=True).order_by("pk"))
        self.refund_actor = User.objects.filter(email="support@simrenew.example").first()
        self.web_topups: list[Order] = []
        # What each retailer's float pays out on a day (cents), prepaid that morning.
        self.float_needs: Counter[tuple[int, date]] = Counter()

    # --- planning

    def at(self, moment: datetime, run: Callable[[], None]) -> None:
        heapq.heappush(self.queue, Event(moment, next(self.seq), run))

    def plan(self) -> None:
        kinds = list(MIX)
        weights = list(MIX.values())
        for back in range(DAYS, 0, -1):
            day = self.today - timedelta(days=back)
            count = self.rng.randint(7, 11) + (3 if day.weekday() >= 5 else 0)
            minutes = sorted(self.rng.sample(range(8 * 60, 21 * 60 + 30), count))
            moments = [_local(day, m // 60, m % 60) for m in minutes]
            for moment in moments:
                kind = self.rng.choices(kinds, weights)[0]
                self.at(moment, self._sale(kind, moment))
            self.at(_local(day, 6, 30), partial(self._prepay_floats, day))
        self._plan_promotions()

    def _plan_promotions(self) -> None:
        """The demo's promotions start the day before the demo is loaded: sales soon after each start
        use them (a BASE top-up bonus, a Proximus bundle discount)."""
        latest = self.now - timedelta(minutes=10)
        for promotion in Promotion.objects.filter(status=PromotionStatus.ACTIVE).select_related("brand"):
            start = promotion.starts_at
            if start is None or promotion.brand_id is None or start >= latest:
                continue
            products = list(promotion.products.all()) or [self.topups[promotion.brand_id]]
            lines = [line for line in self.lines if line.brand_id == promotion.brand_id]
            for n, line in enumerate(self.rng.sample(lines, min(3, len(lines)))):
                moment = min(start + timedelta(minutes=20 + 25 * n), latest)
                product = products[n % len(products)]
                amount = None if product.is_bundle else max(a for a in _topup_amounts(product) if a <= 2500)
                self.at(moment, partial(self._web, line, product, amount))

    def _sale(self, kind: str, moment: datetime) -> Callable[[], None]:
        line = self.rng.choice(self.lines)
        bundle = self.rng.choice(self.bundles[line.brand_id])
        topup = self.topups[line.brand_id]
        amount = self.rng.choice(_topup_amounts(topup))
        outlet = self.rng.choice(self.outlets)
        if kind in ("pos_topup", "pos_bundle"):
            product, value = (bundle, None) if kind == "pos_bundle" else (topup, amount)
            self._need_float(outlet, moment, line=line, product=product, amount=value)
            return lambda: self._pos(outlet, line, product, value)
        if kind == "pin":
            self._need_pin_float(outlet, moment, line.brand, amount)
            return lambda: self._pin(outlet, line, amount, moment)
        if kind == "shop":
            staff = self.rng.choice(self.shop_staff)
            product, value = (bundle, None) if self.rng.random() < 0.4 else (topup, amount)
            return lambda: self._shop(staff, line, product, value)
        if kind == "kiosk" and self.kiosks:
            kiosk = self.rng.choice(self.kiosks)
            renew = self.rng.random() < 0.3
            price = (bundle.price_amount or 0) if renew else amount
            notes: list[int] = []
            while sum(notes) < price:  # no change given: a bundle's rest is credited as a top-up
                notes.append(self.rng.choice([n for n in NOTES if n <= max(price - sum(notes), NOTES[0])]))
            return lambda: self._kiosk(kiosk, line, bundle if renew else None, notes)
        if kind == "web_bundle":
            return lambda: self._web(line, bundle, None)
        return lambda: self._web(line, topup, amount, keep=True)

    def _need_float(
        self, outlet: Outlet, moment: datetime, *, line: Line, product: Product, amount: int | None
    ) -> None:
        with clock.pinned(moment):
            priced = retail.quote_sale(
                seller=retail.Seller(outlet=outlet), line=line, product=product, topup_amount=amount
            )
        self.float_needs[(outlet.retailer_id, timezone.localdate(moment))] += priced.float_amount

    def _need_pin_float(self, outlet: Outlet, moment: datetime, brand: Brand, value: int) -> None:
        commission = percent_of(value, retail.commission_rate_bp(retailer=outlet.retailer, brand=brand))
        self.float_needs[(outlet.retailer_id, timezone.localdate(moment))] += value - commission

    # --- playing

    def play(self) -> None:
        while self.queue:
            event = heapq.heappop(self.queue)
            with clock.pinned(event.at), translation.override("en"):
                event.run()

    def _prepay_floats(self, day: date) -> None:
        for outlet in {o.retailer_id: o for o in self.outlets}.values():
            need = self.float_needs.get((outlet.retailer_id, day), 0)
            if need > 0:
                with transaction.atomic():
                    retail.top_up_float(retailer=outlet.retailer, amount=need, reference=f"prepaid {day:%Y-%m-%d}")

    def _counted(self, kind: str) -> None:
        self.tally.counts[kind] += 1

    def _pos(self, outlet: Outlet, line: Line, product: Product, amount: int | None) -> None:
        with transaction.atomic():
            retail.sell(seller=retail.Seller(outlet=outlet), line=line, product=product, topup_amount=amount)
        self._counted("pos_bundle" if product.is_bundle else "pos_topup")
        self.tally.orders += 1

    def _pin(self, outlet: Outlet, line: Line, amount: int, moment: datetime) -> None:
        with transaction.atomic():
            _sale, pin = retail.sell_pin(seller=retail.Seller(outlet=outlet), brand=line.brand, value_amount=amount)
        self._counted("pin")
        if self.rng.random() < 0.7:  # most PINs are typed in within a few days, some wait
            later = moment + timedelta(minutes=self.rng.randint(20, 3 * 24 * 60))
            if later < self.now - timedelta(minutes=5):
                self.at(later, lambda: self._redeem(pin, line))

    def _redeem(self, pin: str, line: Line) -> None:
        vouchers.redeem(code=pin, line=line, channel="web", guesser=vouchers.Guesser(address="192.0.2.44"))
        self._counted("pin_redeemed")
        self.tally.orders += 1

    def _shop(self, staff: StaffProfile, line: Line, product: Product, amount: int | None) -> None:
        with transaction.atomic():
            shops.sell(
                shop=staff.shop,
                staff=staff.user,
                line=line,
                product=product,
                method=PaymentMethod.CASH,
                topup_amount=amount,
            )
        self._counted("shop")
        self.tally.orders += 1

    def _kiosk(self, kiosk: Kiosk, line: Line, bundle: Product | None, notes: list[int]) -> None:
        with transaction.atomic():
            sales = kiosks.sell_for_cash(
                kiosk=kiosk,
                line=line,
                purpose=Purpose.BUNDLE if bundle else Purpose.TOPUP,
                inserted=[Inserted(amount=note, kind="note") for note in notes],
                product=bundle,
            )
        self._counted("kiosk")
        self.tally.orders += len(sales)

    def _web(self, line: Line, product: Product, amount: int | None, *, keep: bool = False) -> None:
        """As the portal's checkout does: quote, place, start the payment at the provider; then the buyer
        pays in the sandbox's checkout, whose webhook makes the platform fulfil the order."""
        language = self.rng.choice(LANGUAGES)
        method = self.rng.choice(WEB_METHODS)
        with translation.override(language):
            quote = quotes.quote_order(
                line=line, product=product, method=method, topup_amount=amount, channel=Channel.WEB
            )
            with transaction.atomic():
                order = orders.place_order(quote=quote, customer=None, language=language)
            payment_url(order, language)
        payment = order.payments.get()
        with clock.pinned(clock.now() + timedelta(seconds=self.rng.randint(40, 200))):
            sandbox.set_status(payment.provider_payment_id, "paid")
        order.refresh_from_db()
        if order.status != OrderStatus.FULFILLED:
            raise CommandError(f"{order.number} was paid in the sandbox but is {order.status}")
        self._counted("web_bundle" if product.is_bundle else "web_topup")
        self.tally.orders += 1
        if order.discount_amount or order.bonus_amount:
            self._counted("promotion")
        if keep:
            self.web_topups.append(order)
            if len(self.web_topups) in (6, 19):  # two buyers change their mind a day or two later
                later = clock.now() + timedelta(hours=self.rng.randint(20, 40))
                whole = len(self.web_topups) < 10
                if later < self.now - timedelta(minutes=5):
                    self.at(later, lambda: self._refund(order, whole=whole))

    def _refund(self, order: Order, *, whole: bool) -> None:
        order.refresh_from_db()
        amount = refunds.refundable_amount(order)
        if not whole:
            amount = min(amount, order.price_amount // 2)
        with transaction.atomic():
            refunds.request_refund(
                order_id=order.pk, amount=amount, reason="Topped up the wrong number", actor=self.refund_actor
            )
        self._counted("refund")

    def top_floats_to(self, levels: dict[str, int]) -> None:
        """Back to the level `demo_retail` prints, should a sale have differed from its plan."""
        for outlet in {o.retailer_id: o for o in self.outlets}.values():
            target = levels.get(outlet.retailer.name, 0)
            balance = retail.float_balance(outlet.retailer)
            if balance < target:
                with transaction.atomic():
                    retail.top_up_float(retailer=outlet.retailer, amount=target - balance, reference="demo float")


class Command(BaseCommand):
    help = "Load a month of demo sales history and reconcile yesterday (once; a second run adds nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        now = demo_now()
        if AuditEntry.objects.filter(action=DONE).exists():
            self.stdout.write("demo history: loaded already, nothing added")
            return
        if Order.objects.filter(created_at__lt=now - timedelta(days=2)).exists():
            # Sales from days ago: a month of history (a run stopped half-way) or a demo in use.
            self.stdout.write("demo history: the demo has sales from days ago already, nothing added")
            return
        if not settings.MOLLIE_API_ENDPOINT or not settings.PAYMENT_SANDBOX:
            raise CommandError("demo_history pays its web orders in the payment sandbox, which is off here")
        levels = {name: float_level for name, _kind, float_level, _rate, _outlets in RETAILERS}
        jobs_log = logging.getLogger("django.tasks")
        level = jobs_log.level
        jobs_log.setLevel(logging.WARNING)  # a line per job and webhook would bury the summary
        try:
            with override_settings(TASKS=IMMEDIATE_TASKS), serving_in_process(settings.MOLLIE_API_ENDPOINT):
                history = History(now=now)
                history.plan()
                history.play()
                with clock.pinned(now):
                    history.top_floats_to(levels)
                    yesterday = history.today - timedelta(days=1)
                    run = finance.reconcile_day(day=yesterday)
        finally:
            jobs_log.setLevel(level)
        with clock.pinned(now):
            audit.record(action=DONE, target="demo", details={"orders": history.tally.orders, "days": DAYS})
        counts = history.tally.counts
        self.stdout.write(
            f"demo history: {history.tally.orders} orders over {DAYS} days "
            f"(POS {counts['pos_topup']} top-ups, {counts['pos_bundle']} bundles, {counts['pin']} PINs, "
            f"{counts['pin_redeemed']} redeemed; shop desk {counts['shop']}; kiosks {counts['kiosk']} for cash; "
            f"web {counts['web_topup']} top-ups, "
            f"{counts['web_bundle']} renewals, {counts['promotion']} with a promotion; {counts['refund']} refunds); "
            f"reconciled {yesterday}: {run.status}, net {format_money(run.summary['net_amount'])}"
        )
        example = last_paid_on(yesterday)
        if example:
            self.stdout.write(
                f"  plant a mismatch: .venv/bin/simrenew sandbox_mismatch amount {example} 0.50, "
                f"then .venv/bin/simrenew reconcile --date {yesterday} (with the demo running)"
            )


def demo_now() -> datetime:
    """Now as the demo's server will see it: with the demo clock's offset, which `make demo` turns on
    for the server but not for loading the data (a clock moved on in an earlier session stays moved)."""
    if clock.demo_clock_enabled() or getattr(settings, "PRODUCTION", False):
        return clock.now()
    return clock.now() + clock.demo_offset()


def last_paid_on(day: date) -> str:
    """The provider id of the day's last web payment (where a tester can plant a mismatch)."""
    start, end = day_bounds(day)
    paid = Payment.objects.filter(status=PaymentStatus.PAID, paid_at__gte=start, paid_at__lt=end)
    return paid.order_by("-paid_at", "-pk").values_list("provider_payment_id", flat=True).first() or ""
