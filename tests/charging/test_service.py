"""Charging decisions: the order units are taken in (bundle, bonus, credit), rounding, the ledger at the
moment of use, holds that return, expiry, rate versions, and the notices that real usage sets off."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from simrenew.charging import queries
from simrenew.charging import service as charging
from simrenew.charging.errors import SequenceOutOfOrder, ServiceDenied, SessionNotFound
from simrenew.charging.models import MB_BYTES, ChargingSession, Reservation, SessionStatus, Usage
from simrenew.kit import clock
from simrenew.kit.money import vat_included
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, Journal
from simrenew.lines import queries as line_queries
from simrenew.lines.models import BundlePeriod, LineStatus
from simrenew.notifications.models import Notification, NotificationKind
from tests.charging.helpers import Session, create_rates, give_bundle, granted, network_client
from tests.factories import create_brand, create_customer, create_line, link, post_bonus, post_credit

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand():
    brand = create_brand()
    create_rates(brand)
    return brand


@pytest.fixture
def client():
    return network_client()


def balances(line):
    found = line_queries.balances(line)
    return found.bonus_amount, found.credit_amount


def test_units_come_from_the_bundle_first_then_bonus_then_paid_credit(brand, client):
    # given a line with 2 minutes in its bundle, 12 c of bonus and 100 c of credit (calls 12 c/min)
    line = create_line(brand, credit=100)
    period = give_bundle(line, minutes=2)
    post_bonus(line, 12)
    session = Session(client, line)
    # when a call asks for 5 minutes and uses them
    assert granted(session.start(voice=300)) == {"voice": 300}
    session.release(voice=300)
    # then 2 minutes came from the bundle, one from bonus, two from credit
    period.refresh_from_db()
    assert period.voice_minutes_left == 0
    assert balances(line) == (0, 100 - 24)
    usage = Usage.objects.get(line=line)
    assert (usage.units, usage.allowance_units, usage.bonus_amount, usage.credit_amount) == (300, 120, 12, 24)
    assert ledger.verify() == []


def test_credit_used_posts_revenue_and_vat_at_the_moment_of_use(brand, client):
    line = create_line(brand, credit=1000)
    session = Session(client, line)
    session.start(data=50 * MB_BYTES)
    session.release(data=25 * MB_BYTES)  # 25 MB at 10 c/MB = 250 c, VAT included
    journal = Journal.objects.get(kind="usage")
    amounts = {posting.account.code: posting.amount for posting in journal.postings.select_related("account")}
    assert amounts == {
        line.credit_account_code: -250,
        f"brand:{brand.code}:revenue": 250 - vat_included(250),
        "platform:vat_payable": vat_included(250),
    }
    assert balances(line) == (0, 750)


def test_a_hold_is_not_a_posting_and_what_is_not_used_returns(brand, client):
    line = create_line(brand, credit=500)
    session = Session(client, line)
    assert granted(session.start(data=40 * MB_BYTES)) == {"data": 40 * MB_BYTES}
    # held: not in the ledger, but another session sees only the rest
    assert Journal.objects.filter(kind="usage").count() == 0
    assert balances(line) == (0, 500)
    other = Session(client, line)
    assert granted(other.start(data=40 * MB_BYTES)) == {"data": 10 * MB_BYTES}
    session.release(data=5 * MB_BYTES)
    # the 35 MB not used return: a third session gets them
    assert granted(Session(client, line).start(data=40 * MB_BYTES)) == {"data": 35 * MB_BYTES}
    assert balances(line) == (0, 450)


def test_per_second_and_per_minute_rounding_per_brand(client):
    per_second, per_minute = create_brand(), create_brand()
    create_rates(per_second, voice_rounding=1)
    create_rates(per_minute, voice_rounding=60)
    charged = {}
    for brand in (per_second, per_minute):
        line = create_line(brand, credit=1000)
        session = Session(client, line)
        session.start(voice=600)
        session.release(voice=61)
        charged[brand.pk] = 1000 - balances(line)[1]
    assert charged == {per_second.pk: 13, per_minute.pk: 24}  # 61 s: 12.2 c → 13 c; two started minutes


def test_data_from_the_bundle_counts_bytes_and_takes_whole_mb_off_the_allowance(brand, client):
    line = create_line(brand)
    period = give_bundle(line, data_mb=10)
    session = Session(client, line)
    session.start(data=3 * MB_BYTES)
    session.update({"data": MB_BYTES + 1000}, data=3 * MB_BYTES)
    period.refresh_from_db()
    assert period.data_mb_left == 9  # one whole MB, 1000 bytes carried
    answer = session.update({"data": 0}, data=20 * MB_BYTES)
    assert granted(answer) == {"data": 9 * MB_BYTES - 1000}  # no credit: what the bundle has left, final
    assert answer.grants[0].final


def test_nothing_left_is_a_final_unit_indication_and_the_customer_is_told_once(brand, client):
    # given a line with 30 c of credit whose customer reads Dutch
    line = create_line(brand, credit=30)
    link(create_customer(language="nl"), line)
    session = Session(client, line)
    # when calls use it all
    first = session.start(voice=600)
    assert granted(first) == {"voice": 120} and first.grants[0].final  # two minutes for 24 c, nothing after
    session.update({"voice": 120}, voice=600)
    again = session.update({"voice": 0}, voice=600)
    # then the answers say nothing is left, and one SMS tells the customer how to top up
    assert again.grants[0].result_code == "QUOTA_LIMIT_REACHED" and again.grants[0].granted == 0
    told = Notification.objects.filter(line=line, kind=NotificationKind.LOW_CREDIT, event_key__startswith="credit_used")
    assert told.filter(channel="sms").count() == 1
    assert told.get(channel="sms").language == "nl"


def test_after_a_top_up_running_out_again_is_told_again(brand, client):
    line = create_line(brand, credit=12)
    for _ in range(2):
        session = Session(client, line)
        session.start(sms=1)
        session.update({"sms": 1}, sms=1)  # 12 c: one SMS at 9 c, then nothing for the next
        session.update({"sms": 0}, sms=1)
        session.release()
        post_credit(line, 9)  # a top-up starts a new run of credit
    told = Notification.objects.filter(line=line, event_key__startswith="credit_used_up", channel="sms")
    assert told.count() == 2
    assert len(set(told.values_list("event_key", flat=True))) == 2


def test_a_line_not_active_is_refused_and_nothing_is_written(brand, client):
    line = create_line(brand, credit=500, status=LineStatus.GRACE)
    with pytest.raises(ServiceDenied):
        Session(client, line).start(data=MB_BYTES)
    assert ChargingSession.objects.count() == 0 and Reservation.objects.count() == 0


def test_sequence_numbers_repeat_or_refuse(brand, client):
    line = create_line(brand, credit=500)
    session = Session(client, line)
    session.start(data=MB_BYTES)
    session.update({"data": 10}, data=MB_BYTES)
    with transaction.atomic():  # the same number and request again: the stored answer
        replay = charging.report(client=client, ref=session.ref, sequence=1, request_hash="h1", uses=[], final=False)
    assert replay.replay is not None
    with pytest.raises(SequenceOutOfOrder), transaction.atomic():
        charging.report(client=client, ref=session.ref, sequence=5, request_hash="h5", uses=[], final=False)


def test_a_session_that_stops_reporting_expires_and_its_hold_returns(brand, client):
    line = create_line(brand, credit=100)
    session = Session(client, line)
    assert granted(session.start(data=100 * MB_BYTES)) == {"data": 10 * MB_BYTES}
    assert granted(Session(client, line).start(data=MB_BYTES)) == {"data": 0}
    with time_machine.travel(clock.now() + charging.hold_for() + timedelta(seconds=1), tick=False):
        # its hold no longer counts, even before the sweep closes it
        assert granted(Session(client, line).start(data=MB_BYTES)) == {"data": MB_BYTES}
        call_command("charging", "expire")
        assert ChargingSession.objects.get(ref=session.ref).status == SessionStatus.EXPIRED
        assert Reservation.objects.get(session__ref=session.ref).credit_amount == 0
        with pytest.raises(SessionNotFound):
            session.update({"data": MB_BYTES}, data=MB_BYTES)
    assert balances(line) == (0, 100)  # nothing reported, nothing charged


def test_a_rate_change_applies_only_from_its_start(client):
    brand = create_brand()
    create_rates(brand, data_price=10)
    change = clock.now() + timedelta(hours=1)
    create_rates(brand, valid_from=change, data_price=20)
    line = create_line(brand, credit=10_000)
    before = Session(client, line)
    before.start(data=10 * MB_BYTES)
    before.release(data=10 * MB_BYTES)
    assert balances(line)[1] == 10_000 - 100
    with time_machine.travel(change + timedelta(seconds=1), tick=False):
        after = Session(client, line)
        after.start(data=10 * MB_BYTES)
        after.release(data=10 * MB_BYTES)
    assert balances(line)[1] == 10_000 - 100 - 200


def test_eu_roaming_is_charged_as_at_home_within_fair_use_then_at_the_surcharge(client):
    brand = create_brand()
    create_rates(brand, fair_use_mb=2)
    line = create_line(brand, credit=1000)
    period = give_bundle(line, data_mb=100)
    session = Session(client, line)
    assert granted(session.start(roaming=5 * MB_BYTES)) == {"roaming": 2 * MB_BYTES}  # up to fair use, from the bundle
    answer = session.update({"roaming": 2 * MB_BYTES}, roaming=5 * MB_BYTES)
    assert granted(answer) == {"roaming": 5 * MB_BYTES}  # beyond: at 20 c/MB from credit
    session.release(roaming=3 * MB_BYTES)
    period.refresh_from_db()
    assert period.data_mb_left == 98
    assert balances(line)[1] == 1000 - 60


def test_data_notices_and_low_credit_fire_from_real_usage(brand, client):
    from simrenew.renewals import jobs

    line = create_line(brand, credit=400)
    period = give_bundle(line, data_mb=10, minutes=0)
    link(create_customer(), line)
    session = Session(client, line)
    session.start(data=9 * MB_BYTES)
    session.update({"data": 9 * MB_BYTES}, data=MB_BYTES)
    jobs.data_use(None, clock.now())
    assert Notification.objects.filter(line=line, kind=NotificationKind.DATA_80).exists()
    session.update({"data": MB_BYTES}, voice=600)
    session.release(voice=600)  # ten minutes at 12 c: 120 c, leaving 280 c (below the 300 c threshold)
    jobs.data_use(None, clock.now())
    jobs.low_credit(clock.now() - timedelta(minutes=1), clock.now() + timedelta(seconds=1))
    period.refresh_from_db()
    assert period.data_mb_left == 0
    assert Notification.objects.filter(line=line, kind=NotificationKind.DATA_100).exists()
    assert Notification.objects.filter(line=line, kind=NotificationKind.LOW_CREDIT, event_key__startswith="low_credit")
    assert balances(line)[1] == 280


def test_usage_per_day_of_the_current_bundle(brand, client):
    line = create_line(brand, credit=500)
    period = give_bundle(line, data_mb=100)
    session = Session(client, line)
    session.start(data=10 * MB_BYTES, sms=1)
    session.release(data=4 * MB_BYTES, sms=1)
    days = queries.usage_per_day(BundlePeriod.objects.get(pk=period.pk))
    assert [(d.rating_group, d.units, d.allowance_units) for d in days] == [
        (10, 4 * MB_BYTES, 4 * MB_BYTES),
        (30, 1, 1),
    ]
    assert Account.objects.filter(code=line.credit_account_code).get().balance_amount == 500
