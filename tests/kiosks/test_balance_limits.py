"""How many balance-check codes a kiosk sends, and to whom: budgets per visit, per screen, per kiosk
and per number (a cooldown and a daily cap). One person cannot send a hundred SMS, nor use up the
kiosk's codes for everyone else; a refusal sends nothing and uses no budget."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import translation

from simrenew.kiosks import service
from simrenew.kiosks.models import BalanceCheck
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.throttles.errors import Throttled
from tests.factories import create_line
from tests.kiosks.factories import create_kiosk

pytestmark = pytest.mark.django_db
TEN = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)  # 10:00 in Brussels


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TEN, tick=False) as traveller:
        yield traveller


@pytest.fixture
def kiosk():
    return create_kiosk("station")


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Ask for a code as the kiosk views do (in a transaction, the SMS after commit); the refusal or None."""

    def ask(kiosk, line, requester):
        try:
            with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                service.start_balance_check(kiosk=kiosk, line=line, language="en", requester=requester)
        except Throttled as refused:
            return refused
        return None

    return ask


def sms_count() -> int:
    return OutboxMessage.objects.filter(kind=OutboxKind.SMS).count()


def test_120_checks_from_one_visit_send_its_budget_and_block_no_one_else(kiosk, ask, settings):
    # given one visit at a screen asking for 120 balance checks, each for another number
    abuser = service.Requester(visit="abuser", device="screen-1")
    refusals = [ask(kiosk, create_line(), abuser) for _ in range(120)]
    # then only the visit's budget of SMS went out, and the rest were refused naming the visit
    assert sms_count() == BalanceCheck.objects.count() == settings.KIOSK_BALANCE_SMS_PER_VISIT
    assert refusals.count(None) == settings.KIOSK_BALANCE_SMS_PER_VISIT
    with translation.override("en"):
        assert str(refusals[-1]) == "Too many balance checks at this kiosk screen. Try again at 11:00."
    # when the next customers at the same screen, and at the kiosk's other screen, ask for theirs
    next_customer = ask(kiosk, create_line(), service.Requester(visit="next", device="screen-1"))
    other_screen = ask(kiosk, create_line(), service.Requester(visit="other", device="screen-2"))
    # then they get their codes
    assert (next_customer, other_screen) == (None, None)
    assert sms_count() == settings.KIOSK_BALANCE_SMS_PER_VISIT + 2


def test_a_screen_and_a_kiosk_have_budgets_that_new_visits_do_not_escape(kiosk, ask, settings):
    # given small budgets: 2 per screen, 3 per kiosk
    settings.KIOSK_BALANCE_SMS_PER_DEVICE, settings.KIOSK_BALANCE_SMS_PER_KIOSK = 2, 3
    # when someone starts a new visit for every check at one screen
    at_screen_one = [ask(kiosk, create_line(), service.Requester(visit=f"v{i}", device="one")) for i in range(3)]
    # then the screen stops at its budget
    assert [r is None for r in at_screen_one] == [True, True, False]
    assert at_screen_one[2].rule == "balance-sms:device"
    # and the kiosk stops at its own, whichever screen asks
    assert ask(kiosk, create_line(), service.Requester(visit="a", device="two")) is None
    whole = ask(kiosk, create_line(), service.Requester(visit="b", device="two"))
    assert whole.rule == "balance-sms:kiosk"
    # while another kiosk is not affected
    assert ask(create_kiosk(), create_line(), service.Requester(visit="c", device="three")) is None
    assert sms_count() == 4


def test_a_number_gets_one_code_per_cooldown_and_a_few_a_day(kiosk, ask, frozen, settings):
    line = create_line()
    first = ask(kiosk, line, service.Requester(visit="v1", device="s1"))
    # a second code at once, from anyone, is refused: use the one just sent
    again = ask(kiosk, line, service.Requester(visit="v2", device="s2"))
    assert first is None and again.rule == "balance-sms:number"
    with translation.override("de"):
        assert str(again) == (
            "An diese Nummer wurde gerade ein Code gesendet. Verwenden Sie diesen Code oder fordern Sie um "
            "10:02 einen neuen an."
        )
    # after each cooldown another one, up to the daily cap
    for visit in range(settings.KIOSK_BALANCE_SMS_PER_NUMBER_PER_DAY - 1):
        frozen.shift(timedelta(seconds=settings.KIOSK_BALANCE_SMS_COOLDOWN_SECONDS))
        assert ask(kiosk, line, service.Requester(visit=f"later-{visit}", device="s1")) is None
    frozen.shift(timedelta(hours=1))
    capped = ask(kiosk, line, service.Requester(visit="evening", device="s1"))
    assert capped.rule == "balance-sms:number-day"
    assert capped.until == TEN + timedelta(days=1)
    assert OutboxMessage.objects.filter(recipient=line.msisdn).count() == settings.KIOSK_BALANCE_SMS_PER_NUMBER_PER_DAY


def test_a_refusal_sends_nothing_and_uses_no_budget(kiosk, ask, settings):
    # given a number on its cooldown
    line, other = create_line(), create_line()
    assert ask(kiosk, line, service.Requester(visit="v1", device="s1")) is None
    # when a visit with one code left asks for that number
    settings.KIOSK_BALANCE_SMS_PER_VISIT = 2
    assert ask(kiosk, line, service.Requester(visit="v1", device="s1")).rule == "balance-sms:number"
    # then its last code is still there for another number
    assert ask(kiosk, other, service.Requester(visit="v1", device="s1")) is None
    assert sms_count() == 2


def test_without_a_visit_id_a_kiosk_with_its_own_ui_has_the_kiosk_budget_only(kiosk, ask, settings):
    # given a kiosk API client that sends no visit id: the kiosk's budget is its only one (besides numbers)
    settings.KIOSK_BALANCE_SMS_PER_KIOSK = 4
    no_visit = service.Requester()
    assert [ask(kiosk, create_line(), no_visit) for _ in range(4)] == [None] * 4
    assert ask(kiosk, create_line(), no_visit).rule == "balance-sms:kiosk"
