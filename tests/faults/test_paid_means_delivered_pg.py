"""Paid means delivered: a worker killed at the worst moment, a provider that fails, a database
connection dropped mid-job. Each ends with the order fulfilled once, one confirmation e-mail, no job
left running or failed, every webhook processed and the ledger clean, within the stated time."""

import signal

import pytest
from django.urls import reverse

from simrenew.jobs.models import Job, JobStatus
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders import service as orders
from simrenew.orders.models import Order, OrderStatus
from simrenew.payments.models import WebhookInbox
from simrenew.sandbox import service as sandbox
from tests import factories
from tests.faults.conftest import LEASE_SECONDS, Workers, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

# A lost job waits out one lease, then runs again; retries wait well under a second here.
RECOVERY_SECONDS = 4 * LEASE_SECONDS + 10


def paid_at_the_provider(site: str) -> Order:
    customer = factories.create_customer(email="fault@example.be")
    line = factories.create_line(credit=500)
    factories.link(customer, line)
    order = factories.create_order(line=line, method="bancontact", customer=customer)
    payment = orders.start_payment(
        order=order,
        redirect_url=f"{site}/en/orders/{order.number}/return/",
        webhook_url=site + reverse("mollie_webhook"),
    )
    sandbox.set_status(payment.provider_payment_id, "paid")  # queues the sandbox's webhook delivery
    return order


def delivered_once(order: Order) -> bool:
    order.refresh_from_db()
    return (
        order.status == OrderStatus.FULFILLED
        and order.confirmation_sent_at is not None
        and not Job.objects.exclude(status=JobStatus.SUCCESSFUL).exists()
    )


def assert_delivered_exactly_once(order: Order) -> None:
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert Journal.objects.filter(key=f"order:{order.pk}:fulfil").count() == 1
    assert OutboxMessage.objects.filter(kind=OutboxKind.EMAIL, subject__contains=order.number).count() == 1
    assert not Job.objects.filter(status__in=[JobStatus.RUNNING, JobStatus.FAILED]).exists()
    assert not WebhookInbox.objects.filter(processed_at__isnull=True).exists()
    assert ledger.verify() == []


@pytest.mark.parametrize("fault", ["die-in-webhook-delivery", "die-in-fulfilment", "die-in-confirmation"])
def test_a_worker_killed_mid_job_loses_nothing(site: str, workers: Workers, fault: str) -> None:
    doomed = workers.start(fault)
    order = paid_at_the_provider(site)
    assert doomed.wait(timeout=30) == -signal.SIGKILL

    workers.start()
    wait_until(lambda: delivered_once(order), timeout=RECOVERY_SECONDS, what=f"delivery after {fault}")
    assert_delivered_exactly_once(order)
    retried = Job.objects.filter(attempts__gt=1).get()
    assert retried.last_error.startswith("lease expired")


def test_a_provider_that_fails_twice_is_retried_until_it_answers(site: str, workers: Workers) -> None:
    workers.start("status-fails-twice")
    order = paid_at_the_provider(site)

    wait_until(lambda: delivered_once(order), timeout=RECOVERY_SECONDS, what="delivery after two provider failures")
    assert_delivered_exactly_once(order)
    webhook_job = Job.objects.get(task_path="simrenew.orders.tasks.process_webhook")
    assert webhook_job.attempts == 3
    assert [entry["transient"] for entry in webhook_job.errors] == [True, True]


def test_a_connection_dropped_mid_job_is_retried_on_a_new_one(site: str, workers: Workers) -> None:
    worker = workers.start("drop-connection")
    order = paid_at_the_provider(site)

    wait_until(lambda: delivered_once(order), timeout=RECOVERY_SECONDS, what="delivery after a dropped connection")
    assert_delivered_exactly_once(order)
    assert worker.poll() is None  # the worker carried on
    webhook_job = Job.objects.get(task_path="simrenew.orders.tasks.process_webhook")
    assert webhook_job.attempts == 2
    assert "OperationalError" in webhook_job.errors[0]["error"]
