"""Auto-renew decides its attempts a batch per transaction: renewals from credit of many lines cost a
few statements each and one commit per batch, and one attempt that fails does not hold back the others."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from simrenew.lines import service as lines
from simrenew.lines.queries import balances
from simrenew.orders.models import Order, OrderStatus
from simrenew.renewals import service as renewals
from simrenew.renewals.models import AttemptStatus, RenewalAttempt
from tests.factories import create_brand, create_bundle, create_customer, create_line, link

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
END = datetime(2026, 5, 4, 12, 0, tzinfo=BRUSSELS)
# Statements per renewal from credit beyond what the whole batch shares (its lines, attempts, accounts,
# periods, bonus grants and people read once; its attempts, charges and notices written once): the
# balances, the order, the journal's three (balances, journal, postings), the bundle period, the
# credit's validity and the receipt; and two platform accounts that a process keeps once a transaction
# commits (this test's never does).
PER_RENEWAL_BUDGET = 13


@pytest.fixture
def bundle():
    return create_bundle(create_brand(), price_amount=1500, validity_days=30)


def subscribers(bundle, count: int, *, credit: int = 2000) -> list:
    brand = bundle.brand
    found = []
    for _ in range(count):
        line = create_line(brand, credit=credit, credit_expires_at=END + timedelta(days=300))
        customer = create_customer()
        link(customer, line)
        with transaction.atomic():
            lines.add_bundle_period(
                line=lines.lock_line(line.pk), product=bundle, order_id=None, at=END - timedelta(days=30)
            )
            renewals.set_auto_renew(line=line, customer=customer, enabled=True)
        found.append(line)
    return found


def run_counting(at: datetime) -> tuple[dict[str, int], list[str]]:
    with CaptureQueriesContext(connection) as queries:
        outcome = renewals.run(at=at)
    return outcome, [query["sql"] for query in queries.captured_queries]


def test_renewals_from_credit_cost_a_few_statements_each_and_one_commit_per_batch(bundle, time_machine, settings):
    # given 3 and then 12 more auto-renewing lines with enough credit, 5 attempts per transaction
    settings.LIFECYCLE_BATCH_SIZE = 5
    time_machine.move_to(END - timedelta(days=3), tick=False)
    subscribers(bundle, 3)
    time_machine.move_to(END - timedelta(minutes=59), tick=False)
    three, with_3 = run_counting(END - timedelta(minutes=59))
    time_machine.move_to(END - timedelta(days=3), tick=False)
    subscribers(bundle, 12)
    time_machine.move_to(END - timedelta(minutes=58), tick=False)
    # when auto-renew runs
    twelve, with_12 = run_counting(END - timedelta(minutes=58))
    # then every one renewed, once
    assert three == {"created": 3, "succeeded": 3}
    assert twelve == {"created": 12, "succeeded": 12}
    assert RenewalAttempt.objects.filter(status=AttemptStatus.SUCCEEDED).count() == 15
    # and 12 renewals took 3 transactions (savepoints inside the test's own transaction), not 12
    assert sum(1 for sql in with_12 if sql.startswith("SAVEPOINT")) == 3, "\n".join(with_12)
    assert Order.objects.filter(status=OrderStatus.FULFILLED).count() == 15
    # and each costs a few statements
    assert (len(with_12) - len(with_3)) / 9 <= PER_RENEWAL_BUDGET, "\n".join(with_12)


def test_an_attempt_that_fails_does_not_hold_back_the_others_of_its_batch(bundle, time_machine, monkeypatch):
    # given three auto-renewing lines, decided in one batch, and telling the second one fails
    time_machine.move_to(END - timedelta(days=3), tick=False)
    first, bad, third = subscribers(bundle, 3)
    told = renewals.notices.renewed_event

    def renewed(order, period):  # type: ignore[no-untyped-def]
        if order.line_id == bad.pk:
            raise RuntimeError("the notice could not be written")
        return told(order, period)

    monkeypatch.setattr(renewals.notices, "renewed_event", renewed)
    time_machine.move_to(END - timedelta(minutes=59), tick=False)
    # when auto-renew runs
    outcome = renewals.run(at=END - timedelta(minutes=59))
    # then the two others renewed, and the failing one was undone whole and waits for the next run
    assert outcome == {"created": 3, "succeeded": 2, "error": 1}
    assert set(Order.objects.values_list("line_id", flat=True)) == {first.pk, third.pk}
    assert RenewalAttempt.objects.get(line=bad).status == AttemptStatus.PENDING
    assert balances(bad).credit_amount == 2000
    # and once it works again, the next run renews it
    monkeypatch.setattr(renewals.notices, "renewed_event", told)
    assert renewals.run(at=END - timedelta(minutes=50)) == {"created": 0, "succeeded": 1}
    assert balances(bad).credit_amount == 500
