"""`simrenew network simulate` against a live server over HTTP: it registers its network client once,
spends bundles and credit through the signed charging API, and says what it did."""

import io

import pytest
from django.core.management import CommandError, call_command

from simrenew.charging.clients import SIMULATOR_KEY
from simrenew.charging.models import ChargingSession, NetworkClient, SessionStatus, Usage
from simrenew.ledger import service as ledger
from simrenew.lines import queries as line_queries
from simrenew.lines.models import BundlePeriod
from simrenew.notifications.models import Notification, NotificationKind
from tests.charging.helpers import create_rates, give_bundle
from tests.factories import create_brand, create_customer, create_line, link

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    return live_server.url


@pytest.fixture
def line():
    brand = create_brand()
    create_rates(brand)
    line = create_line(brand, credit=2000)
    give_bundle(line, data_mb=500, minutes=30, sms=10)
    link(create_customer(), line)
    return line


def simulate(*args: str) -> str:
    out = io.StringIO()
    call_command("network", "simulate", *args, stdout=out)
    return out.getvalue()


def test_sessions_spend_the_bundle_over_http(server, line):
    out = simulate("--url", server, "--sessions", "12", "--seed", "7", "--pace", "0")
    period = BundlePeriod.objects.get(line=line)
    sessions = ChargingSession.objects.filter(line=line)
    assert sessions.count() == 12
    assert set(sessions.values_list("status", flat=True)) == {SessionStatus.RELEASED}
    used = Usage.objects.filter(line=line)
    assert used.count() >= 12
    groups = set(used.values_list("rating_group", flat=True))
    assert len(groups) >= 3  # a mix of data, calls, SMS and roaming
    # The bundle's allowances fell by what was used (data in whole MB, the rest carried).
    data_used = sum(row.allowance_units for row in used if row.rating_group in (10, 40))
    sms_used = sum(row.allowance_units for row in used if row.rating_group == 30)
    assert period.data_mb_left < 500 and period.data_mb_left == 500 - data_used // (1024 * 1024)
    assert period.sms_left == 10 - sms_used
    assert period.voice_minutes_left <= 30
    assert ledger.verify() == []
    client = NetworkClient.objects.get(key_id=SIMULATOR_KEY)
    assert f"as network client {client.key_id} (registered now); 12 sessions" in out
    assert out.count(" requests") == 12 and "network simulator: 12 sessions" in out


def test_the_credit_runs_out_and_the_session_says_so(server):
    brand = create_brand()
    create_rates(brand)
    poor = create_line(brand, credit=30)  # no bundle: 30 c, 3 MB of data at 10 c/MB
    link(create_customer(), poor)
    out = simulate("--url", server, "--sessions", "6", "--seed", "1", "--pace", "0", "--number", poor.msisdn)
    assert line_queries.balances(poor).credit_amount == 0
    assert "nothing left to grant" in out
    # The customer is told once that the credit ran out: one SMS to the line, one e-mail.
    told = Notification.objects.filter(line=poor, kind=NotificationKind.LOW_CREDIT)
    assert sorted(told.values_list("channel", flat=True)) == ["email", "sms"]
    # Run again: the client exists and is reused.
    again = simulate("--url", server, "--sessions", "1", "--pace", "0", "--number", poor.msisdn)
    assert "(registered now)" not in again
    assert NetworkClient.objects.filter(key_id=SIMULATOR_KEY).count() == 1


def test_bad_arguments_and_no_server_are_clear_errors(line):
    with pytest.raises(CommandError, match="http"):
        simulate("--url", "ftp://example.be")
    with pytest.raises(CommandError, match="0470 00"):
        simulate("--url", "http://127.0.0.1:9", "--number", "0470 00")
    with pytest.raises(CommandError, match="is the server running"):
        simulate("--url", "http://127.0.0.1:9", "--sessions", "1", "--pace", "0")
