"""Payment webhooks end to end: the official Mollie client against the sandbox on a live server.

Whatever order webhooks arrive in, however often, and even at the same time as the customer
returning from checkout, an order is fulfilled once and confirmed by one e-mail.
"""

import pytest
from django.test import Client
from django.urls import reverse

from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders import service as orders
from simrenew.orders.models import OrderStatus
from simrenew.payments.models import Payment, PaymentEvent, WebhookInbox
from simrenew.sandbox import service as sandbox
from simrenew.sandbox.models import SandboxPayment
from tests import factories
from tests.concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, settings) -> str:
    settings.SITE_URL = settings.PUBLIC_URL = live_server.url
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    return live_server.url


def start_paid_flow(site: str, *, method: str = "bancontact", topup: bool = False):  # type: ignore[no-untyped-def]
    customer = factories.create_customer(email="pay@example.be")
    line = factories.create_line(credit=500)
    factories.link(customer, line)
    if topup:
        product = factories.create_topup_product(line.brand)
        order = factories.create_order(line=line, product=product, method=method, customer=customer, topup_amount=1500)
    else:
        order = factories.create_order(line=line, method=method, customer=customer)
    payment = orders.start_payment(
        order=order,
        redirect_url=f"{site}/en/orders/{order.number}/return/",
        webhook_url=site + reverse("mollie_webhook"),
    )
    return customer, line, order, payment


def confirmation_mails(order_number: str) -> int:
    return OutboxMessage.objects.filter(kind=OutboxKind.EMAIL, subject__contains=order_number).count()


def post_webhook(payment_id: str) -> int:
    return Client().post(reverse("mollie_webhook"), {"id": payment_id}).status_code


def test_paid_webhook_fulfils_once_even_when_repeated(site: str) -> None:
    _, line, order, payment = start_paid_flow(site, topup=True)
    assert order.status == OrderStatus.CREATED
    assert Payment.objects.get(pk=payment.pk).status == "open"

    # The sandbox marks it paid and posts the webhook itself (over HTTP).
    sandbox.set_status(payment.provider_payment_id, "paid")
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert balances(line).credit_amount == 500 + 1500

    # Mollie may call again, more than once: nothing more happens.
    assert post_webhook(payment.provider_payment_id) == 200
    assert post_webhook(payment.provider_payment_id) == 200
    assert WebhookInbox.objects.filter(provider_payment_id=payment.provider_payment_id).count() == 3
    assert WebhookInbox.objects.filter(processed_at__isnull=True).count() == 0
    assert Journal.objects.filter(key=f"order:{order.pk}:fulfil").count() == 1
    assert balances(line).credit_amount == 500 + 1500
    assert PaymentEvent.objects.filter(provider_payment_id=payment.provider_payment_id, status="paid").count() == 1
    assert confirmation_mails(order.number) == 1
    assert ledger.verify() == []


def test_concurrent_webhooks_and_customer_return_fulfil_once(site: str) -> None:
    customer, line, order, payment = start_paid_flow(site)
    # Paid at the provider, but nobody has told us yet.
    SandboxPayment.objects.filter(public_id=payment.provider_payment_id).update(status="paid")

    returning = [Client() for _ in range(2)]
    for client in returning:
        client.force_login(customer)

    def webhook_or_return(index: int) -> tuple[str, int]:
        if index < 4:
            return "webhook", post_webhook(payment.provider_payment_id)
        return "return", returning[index - 4].get(f"/en/orders/{order.number}/return/").status_code

    outcomes = race(6, webhook_or_return)
    assert sorted(outcomes, key=repr) == [("ok", ("return", 302))] * 2 + [("ok", ("webhook", 200))] * 4, outcomes

    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert Journal.objects.filter(key=f"order:{order.pk}:fulfil").count() == 1
    assert line.periods.filter(order_id=order.pk).count() == 1
    assert confirmation_mails(order.number) == 1
    assert ledger.verify() == []


def test_out_of_order_and_late_webhooks_never_undo_a_payment(site: str) -> None:
    _, line, order, payment = start_paid_flow(site, method="banktransfer", topup=True)
    pid = payment.provider_payment_id
    # The webhook about the open transfer is delayed; meanwhile the money arrives.
    SandboxPayment.objects.filter(public_id=pid).update(status="paid")
    assert post_webhook(pid) == 200  # processed now: fetches "paid"
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    credit_after = balances(line).credit_amount

    # A late, stale webhook (status long changed) and even a provider reporting something else
    # later never take the payment or the credit back.
    SandboxPayment.objects.filter(public_id=pid).update(status="expired")
    assert post_webhook(pid) == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert Payment.objects.get(pk=payment.pk).status == "paid"
    assert balances(line).credit_amount == credit_after
    assert confirmation_mails(order.number) == 1
    assert Journal.objects.filter(key=f"order:{order.pk}:fulfil").count() == 1


@pytest.mark.parametrize("outcome", ["failed", "canceled", "expired"])
def test_unpaid_outcomes_close_the_order_and_credit_nothing(site: str, outcome: str) -> None:
    _, line, order, payment = start_paid_flow(site, topup=True)
    journals_before = Journal.objects.count()

    sandbox.set_status(payment.provider_payment_id, outcome)

    order.refresh_from_db()
    expected = {"failed": OrderStatus.FAILED, "canceled": OrderStatus.CANCELLED, "expired": OrderStatus.EXPIRED}
    assert order.status == expected[outcome]
    assert balances(line).credit_amount == 500
    assert Journal.objects.count() == journals_before
    assert confirmation_mails(order.number) == 0
    assert not hasattr(order, "receipt") or order.receipt is None


def test_webhook_for_unknown_or_malformed_payment_changes_nothing(site: str) -> None:
    assert post_webhook("tr_doesnotexist1") == 200
    assert WebhookInbox.objects.get().outcome == "unknown_payment"
    assert Client().post(reverse("mollie_webhook"), {"id": "<script>"}).status_code == 400
    assert Journal.objects.count() == 0


def test_a_paid_order_for_a_line_terminated_meanwhile_is_refunded_not_stuck(site: str) -> None:
    _, line, order, payment = start_paid_flow(site)
    journals_before = Journal.objects.count()
    # the line is terminated between ordering and paying
    line.status = "terminated"
    line.save(update_fields=["status"])

    sandbox.set_status(payment.provider_payment_id, "paid")

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert Journal.objects.count() == journals_before
    assert not line.periods.filter(order_id=order.pk).exists()
    assert Payment.objects.get(pk=payment.pk).status == "refunded"
    remote = SandboxPayment.objects.get(public_id=payment.provider_payment_id)
    assert [r.amount_value for r in remote.refunds.all()] == [remote.amount_value]
    assert WebhookInbox.objects.filter(processed_at__isnull=True).count() == 0
    # the webhook again changes nothing and refunds nothing twice
    assert post_webhook(payment.provider_payment_id) == 200
    assert remote.refunds.count() == 1
    assert ledger.verify() == []
