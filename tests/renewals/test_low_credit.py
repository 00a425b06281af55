"""Low credit: a line whose credit went below the threshold by spending is told once per top-up cycle
(the notice's key names the last journal that added to its credit), lines of one batch each by its own."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from simrenew.ledger import service as ledger
from simrenew.ledger.models import AccountKind, Journal
from simrenew.notifications.models import Channel, Notification, NotificationKind
from simrenew.renewals import jobs
from tests.factories import create_brand, create_customer, create_line, link, post_credit

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
T0 = datetime(2026, 5, 4, 10, 0, tzinfo=BRUSSELS)


def spend(line, amount: int) -> None:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        ledger.post_journal(
            key=f"test:spend:{line.pk}:{Journal.objects.count()}",
            kind="usage",
            entries=[
                ledger.Entry(ledger.account(line.credit_account_code, AccountKind.LINE_CREDIT), -amount),
                ledger.Entry(ledger.account("brand:test:revenue", AccountKind.REVENUE), amount),
            ],
        )


def told() -> list[tuple[int, str]]:
    return sorted(
        Notification.objects.filter(kind=NotificationKind.LOW_CREDIT, channel=Channel.SMS).values_list(
            "line_id", "event_key"
        )
    )


def test_low_credit_is_told_once_per_top_up_cycle(time_machine, settings):
    settings.LOW_CREDIT_AMOUNT = 300
    time_machine.move_to(T0, tick=False)
    brand = create_brand()
    lines = [create_line(brand, credit=1000, credit_expires_at=T0 + timedelta(days=90)) for _ in range(3)]
    for line in lines:
        link(create_customer(), line)
    first_top_up = {
        line.pk: Journal.objects.filter(key__startswith=f"test:opening:{line.pk}:").get().pk for line in lines
    }
    # given two lines that spend below the threshold and one that stays above it
    time_machine.move_to(T0 + timedelta(minutes=10), tick=False)
    spend(lines[0], 800)
    spend(lines[1], 900)
    spend(lines[2], 100)
    # when the job runs
    assert jobs.low_credit(T0, T0 + timedelta(minutes=15)) == {"low_credit": 4}  # an e-mail and an SMS each
    # then each low line is told once, keyed by its own last top-up
    assert told() == [
        (lines[0].pk, f"low_credit:{lines[0].pk}:{first_top_up[lines[0].pk]}"),
        (lines[1].pk, f"low_credit:{lines[1].pk}:{first_top_up[lines[1].pk]}"),
    ]
    # and spending more in the same cycle tells nothing new
    time_machine.move_to(T0 + timedelta(minutes=20), tick=False)
    spend(lines[0], 100)
    assert jobs.low_credit(T0 + timedelta(minutes=15), T0 + timedelta(minutes=25)) == {"low_credit": 0}
    # but after a top-up and spending below the threshold again, a new cycle is told
    post_credit(lines[0], 500)
    second_top_up = Journal.objects.filter(key__startswith=f"test:opening:{lines[0].pk}:").order_by("-pk")[0].pk
    time_machine.move_to(T0 + timedelta(minutes=30), tick=False)
    spend(lines[0], 500)
    assert jobs.low_credit(T0 + timedelta(minutes=25), T0 + timedelta(minutes=35)) == {"low_credit": 2}
    assert (lines[0].pk, f"low_credit:{lines[0].pk}:{second_top_up}") in told()
    assert len(told()) == 3
