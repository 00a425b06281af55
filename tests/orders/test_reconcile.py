"""orders.reconcile: what a lost or failed job left undone is caught up by the scheduler's tick.

A payment paid at the provider whose webhook never came, a webhook whose job was lost, a confirmation
e-mail whose job died: each ends done exactly once. Checks of open payments back off as they age, and
a tick with nothing due costs three queries.
"""

import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from simrenew.brands.models import PaymentMethod
from simrenew.kit import clock
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal
from simrenew.lines.queries import balances
from simrenew.notifications import service as notifications
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders import reconcile, tasks
from simrenew.orders import service as orders
from simrenew.orders.models import Channel, Order, OrderStatus
from simrenew.payments import provider as providers
from simrenew.payments.checks import next_check_at
from simrenew.payments.models import Payment, WebhookInbox
from simrenew.payments.provider import ProviderError
from simrenew.renewals import jobs, scheduler
from simrenew.sandbox.models import SandboxPayment
from tests import factories

BRUSSELS = ZoneInfo("Europe/Brussels")
T0 = datetime(2026, 5, 4, 10, 0, tzinfo=BRUSSELS)
NOTHING = {"webhooks": 0, "payments_checked": 0, "payments_settled": 0, "confirmations": 0}


@pytest.fixture
def site(live_server, settings) -> str:
    settings.SITE_URL = settings.PUBLIC_URL = live_server.url
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    return live_server.url


def awaiting(site: str, *, method: str = "bancontact") -> tuple[Order, Payment]:
    """A top-up of 15 euros sent to payment in the sandbox, with no webhook URL: nothing will tell us."""
    customer = factories.create_customer()
    line = factories.create_line(credit=500)
    factories.link(customer, line)
    product = factories.create_topup_product(line.brand)
    order = factories.create_order(line=line, product=product, method=method, customer=customer, topup_amount=1500)
    payment = orders.start_payment(order=order, redirect_url=f"{site}/en/orders/{order.number}/return/", webhook_url="")
    return order, payment


def settle_at_the_provider(payment: Payment, status: str = "paid") -> None:
    SandboxPayment.objects.filter(public_id=payment.provider_payment_id).update(status=status)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def run_at(moment: datetime) -> dict[str, int]:
    with clock.pinned(moment):
        return reconcile.run(at=clock.now())


def confirmation_mails(order: Order) -> int:
    return OutboxMessage.objects.filter(kind=OutboxKind.EMAIL, subject__contains=order.number).count()


def assert_fulfilled_once(order: Order) -> None:
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert order.confirmation_sent_at is not None
    assert Journal.objects.filter(key=f"order:{order.pk}:fulfil").count() == 1
    assert confirmation_mails(order) == 1
    assert balances(order.line).credit_amount == 500 + 1500
    assert not Payment.objects.filter(order=order, next_check_at__isnull=False).exists()


def get_payment_calls(monkeypatch, *, fail_once: frozenset[str] = frozenset()) -> list[tuple[datetime, str]]:
    """Record every status call to the provider; the payments in `fail_once` fail their first call
    as if the provider could not be reached."""
    real = providers.get_provider
    calls: list[tuple[datetime, str]] = []
    failing = set(fail_once)

    class Recorded:
        def __init__(self, provider: providers.PaymentProvider) -> None:
            self.provider = provider
            self.name = provider.name

        def get_payment(self, payment_id: str) -> providers.ProviderPayment:
            calls.append((clock.now(), payment_id))
            if payment_id in failing:
                failing.discard(payment_id)
                raise ProviderError(f"Mollie could not return payment {payment_id}: Unable to communicate")
            return self.provider.get_payment(payment_id)

    monkeypatch.setattr(providers, "get_provider", lambda name=None: Recorded(real(name)))
    return calls


# --- Payments nobody told us about


@pytest.mark.django_db(transaction=True)
def test_a_paid_payment_whose_webhook_never_came_is_fulfilled_once_by_the_tick(site, time_machine):
    time_machine.move_to(T0, tick=False)
    order, payment = awaiting(site)
    assert Payment.objects.get(pk=payment.pk).next_check_at == T0 + timedelta(minutes=2)
    settle_at_the_provider(payment, "paid")

    assert run_at(T0 + timedelta(minutes=1)) == NOTHING  # the webhook may still come
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_PAYMENT

    time_machine.move_to(T0 + timedelta(minutes=2), tick=False)
    outcome = scheduler.run_job("orders.reconcile")
    assert (outcome.ran, outcome.error) == (True, "")
    assert outcome.result == {**NOTHING, "payments_checked": 1, "payments_settled": 1}
    assert_fulfilled_once(order)
    assert Payment.objects.get(pk=payment.pk).status == "paid"

    # Later ticks, and the webhook arriving after all, change nothing.
    assert run_at(T0 + timedelta(minutes=5)) == NOTHING
    orders.sync_payment(provider_name=payment.provider, provider_payment_id=payment.provider_payment_id)
    assert run_at(T0 + timedelta(hours=1)) == NOTHING
    assert_fulfilled_once(order)
    assert ledger.verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_payment_failed_at_the_provider_closes_its_order(site, time_machine):
    time_machine.move_to(T0, tick=False)
    order, payment = awaiting(site)
    settle_at_the_provider(payment, "expired")

    assert run_at(T0 + timedelta(minutes=2)) == {**NOTHING, "payments_checked": 1, "payments_settled": 1}
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert Payment.objects.get(pk=payment.pk).next_check_at is None
    assert Journal.objects.filter(key=f"order:{order.pk}:fulfil").count() == 0
    assert confirmation_mails(order) == 0


@pytest.mark.django_db(transaction=True)
def test_a_provider_error_on_one_payment_does_not_stop_the_others_and_is_tried_next_tick(
    site, time_machine, monkeypatch
):
    time_machine.move_to(T0, tick=False)
    first, first_payment = awaiting(site)
    second, second_payment = awaiting(site)
    settle_at_the_provider(first_payment)
    settle_at_the_provider(second_payment)
    calls = get_payment_calls(monkeypatch, fail_once=frozenset({first_payment.provider_payment_id}))

    result = run_at(T0 + timedelta(minutes=2))

    assert result == {**NOTHING, "payments_checked": 1, "payments_settled": 1, "errors": 1}
    assert Order.objects.get(pk=first.pk).status == OrderStatus.AWAITING_PAYMENT
    assert Payment.objects.get(pk=first_payment.pk).next_check_at == T0 + timedelta(minutes=3)
    assert_fulfilled_once(second)

    assert run_at(T0 + timedelta(minutes=3)) == {**NOTHING, "payments_checked": 1, "payments_settled": 1}
    assert_fulfilled_once(first)
    assert_fulfilled_once(second)
    assert [payment_id for _, payment_id in calls] == [
        first_payment.provider_payment_id,
        second_payment.provider_payment_id,
        first_payment.provider_payment_id,
    ]


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_provider_is_left_for_the_next_tick_after_three_failures(site, time_machine, settings):
    time_machine.move_to(T0, tick=False)
    waiting = [awaiting(site) for _ in range(4)]
    for _, payment in waiting:
        settle_at_the_provider(payment)
    endpoint = settings.MOLLIE_API_ENDPOINT
    settings.MOLLIE_API_ENDPOINT = f"http://127.0.0.1:{closed_port()}/sandbox/mollie"

    assert run_at(T0 + timedelta(minutes=2)) == {**NOTHING, "errors": 3, "deferred": 1}
    assert [Payment.objects.get(pk=payment.pk).next_check_at for _, payment in waiting] == [
        T0 + timedelta(minutes=3)
    ] * 3 + [T0 + timedelta(minutes=2)]
    assert not Order.objects.filter(status=OrderStatus.FULFILLED).exists()

    settings.MOLLIE_API_ENDPOINT = endpoint
    assert run_at(T0 + timedelta(minutes=3)) == {**NOTHING, "payments_checked": 4, "payments_settled": 4}
    for order, _ in waiting:
        assert_fulfilled_once(order)


@pytest.mark.django_db(transaction=True)
def test_checks_back_off_as_a_payment_stays_open(site, time_machine, monkeypatch):
    time_machine.move_to(T0, tick=False)
    order, payment = awaiting(site, method="banktransfer")
    calls = get_payment_calls(monkeypatch)

    for minute in range(1, 61):  # a tick every minute for the first hour
        run_at(T0 + timedelta(minutes=minute))
    assert [int((at - T0).total_seconds() // 60) for at, _ in calls] == [2, 4, 6, 8, 10, 13, 17, 22, 28, 35, 44, 55]

    # A day on, the transfer still open: checked every six hours, however long it stays open.
    for days in (1, 6):
        now = T0 + timedelta(days=days)
        assert run_at(now)["payments_checked"] == 1
        assert Payment.objects.get(pk=payment.pk).next_check_at == now + timedelta(hours=6)
        assert run_at(now + timedelta(hours=5, minutes=59))["payments_checked"] == 0

    # The money arrives: the next check finds it, and the payment is no longer watched.
    settle_at_the_provider(payment)
    assert run_at(T0 + timedelta(days=6, hours=6))["payments_settled"] == 1
    assert_fulfilled_once(order)
    assert run_at(T0 + timedelta(days=7))["payments_checked"] == 0


def test_the_wait_between_checks_is_a_quarter_of_the_wait_so_far_within_bounds(settings):
    for waited, wait in [
        (timedelta(0), timedelta(minutes=2)),
        (timedelta(minutes=8), timedelta(minutes=2)),
        (timedelta(hours=1), timedelta(minutes=15)),
        (timedelta(hours=24), timedelta(hours=6)),
        (timedelta(days=7), timedelta(hours=6)),
    ]:
        assert next_check_at(waiting_since=T0, now=T0 + waited) == T0 + waited + wait
    settings.PAYMENT_RECONCILE_AFTER_SECONDS = 600
    assert next_check_at(waiting_since=T0, now=T0 + timedelta(minutes=20)) == T0 + timedelta(minutes=30)


# --- Webhooks whose job was lost


@pytest.mark.django_db(transaction=True)
def test_a_webhook_left_unprocessed_is_processed_by_the_tick(site, time_machine):
    time_machine.move_to(T0 - timedelta(days=8), tick=False)
    forgotten = WebhookInbox.objects.create(provider="mollie", provider_payment_id="tr_longago1")
    time_machine.move_to(T0, tick=False)
    order, payment = awaiting(site)
    settle_at_the_provider(payment)
    # As the webhook view stores it; the job it enqueued was lost.
    inbox = WebhookInbox.objects.create(provider="mollie", provider_payment_id=payment.provider_payment_id)

    time_machine.move_to(T0 + timedelta(seconds=59), tick=False)
    assert run_at(clock.now()) == NOTHING
    time_machine.move_to(T0 + timedelta(seconds=60), tick=False)
    assert run_at(clock.now()) == {**NOTHING, "webhooks": 1}

    inbox.refresh_from_db()
    assert (inbox.processed_at, inbox.outcome) == (T0 + timedelta(seconds=60), OrderStatus.FULFILLED)
    assert_fulfilled_once(order)
    time_machine.move_to(T0 + timedelta(minutes=3), tick=False)
    assert run_at(clock.now()) == NOTHING  # nor is the payment checked again: it is settled
    assert_fulfilled_once(order)
    assert WebhookInbox.objects.get(pk=forgotten.pk).processed_at is None  # a week old: left alone


# --- Confirmations whose job died


def fulfilled(*, email: str = "buyer@example.be", **fields) -> Order:
    """An order paid from credit, fulfilled now; the confirmation job it leaves for after commit never
    runs (the test's transaction never commits)."""
    line = factories.create_line(credit=5000)
    order = factories.create_order(line=line, method=PaymentMethod.CREDIT, email=email)
    assert order.status == OrderStatus.FULFILLED and order.confirmation_sent_at is None
    if fields:
        Order.objects.filter(pk=order.pk).update(**fields)
    return order


@pytest.mark.django_db
def test_a_confirmation_never_sent_is_sent_once(time_machine):
    time_machine.move_to(T0 - timedelta(days=8), tick=False)
    too_old = fulfilled(email="old@example.be")
    time_machine.move_to(T0, tick=False)
    order = fulfilled()
    auto_renewal = fulfilled(email="auto@example.be", channel=Channel.AUTO)  # its renewal notice tells
    no_address = fulfilled(email="")

    assert run_at(T0 + timedelta(minutes=1)) == NOTHING  # the job may still run
    assert run_at(T0 + timedelta(minutes=2)) == {**NOTHING, "confirmations": 1}
    assert run_at(T0 + timedelta(minutes=3)) == NOTHING

    order.refresh_from_db()
    assert order.confirmation_sent_at == T0 + timedelta(minutes=2)
    assert [(m.recipient, order.number in m.subject) for m in OutboxMessage.objects.all()] == [
        ("buyer@example.be", True)
    ]
    for other in (too_old, auto_renewal, no_address):
        assert Order.objects.get(pk=other.pk).confirmation_sent_at is None


class Killed(BaseException):
    """The process died (nothing catches a BaseException, as nothing catches SIGKILL)."""


@pytest.mark.django_db
def test_a_confirmation_interrupted_after_it_went_out_goes_again_as_the_same_message(
    smtp_server, time_machine, monkeypatch
):
    time_machine.move_to(T0, tick=False)
    order = fulfilled()
    send = notifications.send_email_now

    def sent_then_killed(**message) -> None:
        send(**message)  # the mail server has it...
        raise Killed  # ...and the worker dies before the order records it

    monkeypatch.setattr(notifications, "send_email_now", sent_then_killed)
    with pytest.raises(Killed):
        tasks.send_confirmation.call(order.pk)
    monkeypatch.setattr(notifications, "send_email_now", send)
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is None

    assert run_at(T0 + timedelta(minutes=2))["confirmations"] == 1
    assert run_at(T0 + timedelta(minutes=3))["confirmations"] == 0
    assert tasks.send_confirmation.call(order.pk) is False

    assert smtp_server.message_ids() == [notifications.message_id(f"order:{order.pk}:confirmation")] * 2
    assert [str(message["Subject"]).count(order.number) for _, _, message in smtp_server.messages] == [1, 1]


# --- What a tick costs


@pytest.mark.django_db
def test_a_tick_with_nothing_due_costs_four_queries_however_much_history(time_machine, django_assert_num_queries):
    time_machine.move_to(T0, tick=False)
    for number in range(20):
        done = fulfilled(confirmation_sent_at=T0)
        waiting = factories.create_order(status=OrderStatus.AWAITING_PAYMENT)
        Payment.objects.create(
            order=waiting,
            provider="mollie",
            provider_payment_id=f"tr_notyetdue{number}",
            method="bancontact",
            amount=waiting.total_amount,
            next_check_at=T0 + timedelta(minutes=5),
        )
        Payment.objects.create(
            order=done, provider="mollie", provider_payment_id=f"tr_settled{number}", method="card", amount=1
        )
        WebhookInbox.objects.create(
            provider="mollie", provider_payment_id=f"tr_settled{number}", processed_at=T0, outcome="fulfilled"
        )
    time_machine.move_to(T0 + timedelta(minutes=4), tick=False)

    with django_assert_num_queries(4):  # webhooks, payments, confirmations, refunds
        assert run_at(clock.now()) == NOTHING


@pytest.mark.django_db
def test_payments_of_orders_settled_another_way_are_no_longer_watched(time_machine):
    time_machine.move_to(T0, tick=False)
    order = fulfilled(confirmation_sent_at=T0)
    payment = Payment.objects.create(
        order=order, provider="mollie", provider_payment_id="tr_elsewhere1", method="card", amount=1, next_check_at=T0
    )
    assert run_at(T0 + timedelta(minutes=1)) == NOTHING  # no call to the provider
    assert Payment.objects.get(pk=payment.pk).next_check_at is None


def test_the_tick_settles_payments_before_periods_move_and_customers_are_told():
    names = [name for name, _ in jobs.JOBS]
    assert names.index("renewals.auto_renew") < names.index("orders.reconcile") < names.index("lines.bundle_periods")
    assert names.index("orders.reconcile") < names.index("notifications.renewed")
