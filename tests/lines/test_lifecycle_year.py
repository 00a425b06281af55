"""A year in the life of a prepaid line, driven by the scheduler with time-machine: a free first bundle,
top-ups, reminders, auto-renew from credit and then with a saved card, data warnings, a bundle that
lapses, credit validity running out into grace, reactivation, a top-up bonus that expires, suspension
with breakage, and reactivation again. Balances, periods, the ledger and what the customer was told
are checked at every step.

The brand keeps credit valid 90 days after a top-up or renewal, with 14 days of grace.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.urls import reverse

from simrenew.ledger import service as ledger
from simrenew.lines import lifecycle
from simrenew.lines import service as lines
from simrenew.lines.models import LineStatus, PeriodStatus
from simrenew.lines.queries import balances
from simrenew.notifications.models import Channel, Notification, NotificationKind
from simrenew.orders import service as orders
from simrenew.orders.models import Order, OrderStatus
from simrenew.promotions.models import PromotionKind
from simrenew.renewals import service as renewals
from simrenew.sandbox import service as sandbox
from tests import factories
from tests.factories import create_brand, create_bundle, create_customer, create_line, create_topup_product, link
from tests.lifecycle import create_promotion, save_mandate, tick

pytestmark = pytest.mark.django_db(transaction=True)

BRUSSELS = ZoneInfo("Europe/Brussels")
E, S = Channel.EMAIL, Channel.SMS
K = NotificationKind


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BRUSSELS)


def plus(moment: datetime, days: int = 0, minutes: int = 0) -> datetime:
    """`days` of 24 hours later (validity runs in real time, across the summer-time change)."""
    return moment.astimezone(UTC) + timedelta(days=days, minutes=minutes)


@pytest.fixture
def site(live_server, settings) -> str:
    settings.SITE_URL = settings.PUBLIC_URL = live_server.url
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    return live_server.url


class Told:
    """What the customer was told since the last look: (kind, channel) in order."""

    def __init__(self, line) -> None:
        self.line = line
        self.seen = 0

    def new(self) -> list[tuple[str, str]]:
        rows = list(Notification.objects.filter(line=self.line, pk__gt=self.seen).order_by("pk"))
        if rows:
            self.seen = rows[-1].pk
        return [(n.kind, n.channel) for n in rows]


def test_a_year_in_the_life_of_a_line(site, time_machine):
    def travel(moment: datetime) -> None:
        time_machine.move_to(moment, tick=False)

    def credit() -> tuple[int, int]:
        found = balances(line)
        return found.credit_amount, found.bonus_amount

    def periods() -> list[tuple[str, datetime, datetime]]:
        return [(p.status, p.starts_at, p.ends_at) for p in line.periods.order_by("starts_at")]

    def pay_online(amount: int, method: str = "bancontact") -> Order:
        with transaction.atomic():
            order = factories.place_order(
                customer=customer, line=line, product=topup, method=method, topup_amount=amount
            )
        payment = orders.start_payment(
            order=order,
            redirect_url=f"{site}/fr/orders/{order.number}/return/",
            webhook_url=site + reverse("mollie_webhook"),
        )
        sandbox.set_status(payment.provider_payment_id, "paid")
        order.refresh_from_db()
        assert order.status == OrderStatus.FULFILLED
        return order

    def state() -> tuple[str, datetime | None]:
        line.refresh_from_db()
        return line.status, line.credit_expires_at

    # --- 5 January: a new line, a new customer (in French), a welcome offer and a top-up.
    travel(at(1, 5))
    brand = create_brand(code="acme", name="Acme Mobile", credit_validity_days=90, grace_days=14, reminder_days="7,1")
    bundle = create_bundle(
        brand, price_amount=1800, data_mb=1000, validity_days=30, names={"en": "Acme 18", "fr": "Acme 18 FR"}
    )
    topup = create_topup_product(brand)
    line = create_line(brand)
    customer = create_customer(email="camille@example.be", language="fr")
    link(customer, line)
    told = Told(line)
    create_promotion(code="welcome", kind=PromotionKind.FIRST_BUNDLE, starts_at=at(1, 1), percent_bp=10000)
    create_promotion(
        code="reload",
        kind=PromotionKind.TOPUP_BONUS,
        starts_at=at(1, 1),
        bonus_amount=500,
        min_topup_amount=1500,
        within_days_of_previous_topup=31,
        bonus_validity_days=31,
    )

    with transaction.atomic():
        free = factories.place_order(customer=customer, line=line, product=bundle, method="bancontact", language="fr")
    assert (free.status, free.total_amount, free.discount_amount) == (OrderStatus.FULFILLED, 0, 1800)
    pay_online(2000)
    tick()
    assert credit() == (2000, 0)
    p1_end = plus(at(1, 5), 30)
    assert periods() == [(PeriodStatus.ACTIVE, at(1, 5), p1_end)]
    assert state() == (LineStatus.ACTIVE, plus(at(1, 5), 90))
    # The buyer has the receipt by e-mail; the renewal itself is told by SMS, in French.
    assert told.new() == [(K.RENEWED, S)]
    assert Notification.objects.get(kind=K.RENEWED).language == "fr"
    assert ledger.verify() == []

    # --- Reminders 7 days and 1 day before the bundle ends.
    travel(at(1, 28))
    tick()
    assert told.new() == [(K.EXPIRING_SOON, E), (K.EXPIRING_SOON, S)]
    travel(at(2, 3))
    tick()
    tick()
    assert told.new() == [(K.EXPIRING_SOON, E), (K.EXPIRING_SOON, S)]

    # --- Auto-renew on: renewed from credit just before the end, with no gap; the credit runs low.
    travel(at(2, 3, 11))
    with transaction.atomic():
        renewals.set_auto_renew(line=line, customer=customer, enabled=True)
    travel(plus(p1_end, minutes=-45))
    tick()
    p2_end = plus(p1_end, 30)
    assert credit() == (200, 0)
    assert periods() == [(PeriodStatus.ACTIVE, at(1, 5), p1_end), (PeriodStatus.QUEUED, p1_end, p2_end)]
    assert told.new() == [(K.RENEWED, E), (K.RENEWED, S), (K.LOW_CREDIT, E), (K.LOW_CREDIT, S)]
    assert state() == (LineStatus.ACTIVE, plus(p1_end, 90, -45))
    travel(plus(p1_end, minutes=1))
    tick()
    assert [p[0] for p in periods()] == [PeriodStatus.EXPIRED, PeriodStatus.ACTIVE]
    assert told.new() == []  # nothing lapsed

    # --- Data: 80 % then all of it used.
    travel(at(2, 20))
    with transaction.atomic():
        lifecycle.record_data_use(line=lines.lock_line(line.pk), data_mb=850)
    tick()
    assert told.new() == [(K.DATA_80, S)]
    with transaction.atomic():
        lifecycle.record_data_use(line=lines.lock_line(line.pk), data_mb=200)
    tick()
    tick()
    assert told.new() == [(K.DATA_100, E), (K.DATA_100, S)]

    # --- The next end: not enough credit, no saved card: told, and the bundle lapses.
    travel(at(2, 27))
    tick()
    assert told.new() == [(K.EXPIRING_SOON, E), (K.EXPIRING_SOON, S)]
    travel(plus(p2_end, minutes=-45))
    tick()
    assert told.new() == [(K.AUTO_RENEW_FAILED, E), (K.AUTO_RENEW_FAILED, S)]
    travel(plus(p2_end, minutes=5))
    tick()
    assert told.new() == [(K.EXPIRED, E), (K.EXPIRED, S)]
    assert [p[0] for p in periods()] == [PeriodStatus.EXPIRED] * 2
    assert credit() == (200, 0)

    # --- 20 March: renewed by card, saving it for auto-renew; the next renewal is charged on it.
    travel(at(3, 20))
    save_mandate(site, customer=customer, line=line, product=bundle, method="creditcard")
    tick()
    assert told.new() == [(K.RENEWED, S)]
    p3_end = plus(at(3, 20), 30)  # across the change to summer time: 11:00 in Brussels
    assert periods()[-1] == (PeriodStatus.ACTIVE, at(3, 20), p3_end)
    travel(plus(p3_end, minutes=-45))
    tick()
    auto = Order.objects.filter(channel="auto").order_by("-pk").first()
    assert (auto.method, auto.total_amount, auto.status) == ("creditcard", 1825, OrderStatus.FULFILLED)
    p4_end = plus(p3_end, 30)
    assert periods()[-1] == (PeriodStatus.QUEUED, p3_end, p4_end)
    assert told.new() == [(K.RENEWED, E), (K.RENEWED, S)]
    assert credit() == (200, 0)  # the card paid, not the credit
    valid_until = plus(p3_end, 90, -45)
    assert state() == (LineStatus.ACTIVE, valid_until)

    # --- Auto-renew off: the bundle lapses at its end.
    travel(at(4, 20))
    with transaction.atomic():
        renewals.set_auto_renew(line=line, customer=customer, enabled=False)
    travel(plus(p4_end, minutes=5))
    tick()
    assert told.new() == [(K.EXPIRED, E), (K.EXPIRED, S)]

    # --- Credit validity: a month before, then it lapses into grace (receive only), credit kept.
    travel(plus(valid_until, -30, 5))
    tick()
    assert told.new() == [(K.CREDIT_ENDING, E), (K.CREDIT_ENDING, S)]
    travel(plus(valid_until, minutes=5))
    tick()
    assert state() == (LineStatus.GRACE, valid_until)
    line.refresh_from_db()
    assert line.status_changed_at == valid_until
    assert told.new() == [(K.LINE_GRACE, E), (K.LINE_GRACE, S)]
    assert credit() == (200, 0)

    # --- A top-up in grace reactivates the line; a second one within 31 days earns bonus credit.
    travel(at(7, 25))
    pay_online(1000)
    assert state() == (LineStatus.ACTIVE, plus(at(7, 25), 90))
    assert credit() == (1200, 0)
    travel(at(8, 10))
    reload = pay_online(1500)
    assert (reload.bonus_amount, reload.bonus_expires_at) == (500, plus(at(8, 10), 31))
    assert credit() == (2700, 500)

    # --- The unused bonus expires on its own date, into breakage; paid credit stays.
    travel(plus(at(8, 10), 31, 5))
    tick()
    assert credit() == (2700, 0)
    assert ledger.balance(ledger.account("brand:acme:breakage", "breakage")) == 500

    # --- No top-up for 90 days: grace, then suspension; the credit left goes to breakage.
    valid_until = plus(at(8, 10), 90)
    travel(plus(valid_until, minutes=5))
    tick()
    assert state() == (LineStatus.GRACE, valid_until)
    assert told.new() == [(K.LINE_GRACE, E), (K.LINE_GRACE, S)]
    travel(plus(valid_until, 14, 5))
    tick()
    assert state() == (LineStatus.SUSPENDED, valid_until)
    assert told.new() == [(K.LINE_SUSPENDED, E), (K.LINE_SUSPENDED, S)]
    assert credit() == (0, 0)
    assert ledger.balance(ledger.account("brand:acme:breakage", "breakage")) == 500 + 2700

    # --- 20 December: a top-up brings the suspended line back.
    travel(at(12, 20))
    pay_online(1000)
    assert state() == (LineStatus.ACTIVE, plus(at(12, 20), 90))
    assert credit() == (1000, 0)
    tick()

    # Over the year: every journal balances, every cached balance matches its postings.
    assert ledger.verify() == []
    assert ledger.balance(ledger.account("brand:acme:promotion_expense", "promotion_expense")) == -(1800 + 500)
    # Each event was told once (no notification key twice; sent, none stuck).
    assert Notification.objects.exclude(status="sent").count() == 0
