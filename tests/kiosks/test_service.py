"""Kiosk cash sessions (no change: every cent inserted is credited), card sales and balance checks by SMS code.
(How many codes who may ask for: tests/kiosks/test_balance_limits.py.)"""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction

from simrenew.brands.models import PaymentMethod
from simrenew.kiosks import service
from simrenew.kiosks.errors import (
    CashAlreadyInserted,
    CashLimitReached,
    CodeExpired,
    NotEnoughCash,
    NothingInserted,
    SessionClosed,
    TooManyWrongCodes,
    WrongCode,
)
from simrenew.kiosks.models import CashInsertion, CashSession, KioskSale, Purpose, SessionStatus
from simrenew.kit import clock
from simrenew.ledger import service as ledger
from simrenew.ledger.models import AccountKind, Journal, Posting
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import Channel, Order, OrderKind
from simrenew.payments.cash_acceptor import Inserted
from simrenew.payments.terminal import CardDeclined, SandboxTerminal
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk

pytestmark = pytest.mark.django_db
SOMEONE = service.Requester(visit="visit-1", device="screen-1")

NOTE_5, NOTE_10, NOTE_20, COIN_2 = (
    Inserted(500, "note"),
    Inserted(1000, "note"),
    Inserted(2000, "note"),
    Inserted(200, "coin"),
)


@pytest.fixture
def brand():
    return create_brand(code="acme")


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, price_amount=1500)


@pytest.fixture
def topup_product(brand):
    # Fixed amounts only: the kiosk still credits whatever cash went in.
    return create_topup_product(brand, amounts=[1000, 1500, 2000])


@pytest.fixture
def kiosk():
    return create_kiosk("station")


def cash_balance(kiosk) -> int:
    return -ledger.balance(ledger.account(kiosk.cash_account_code, AccountKind.SHOP_CASH))


def state() -> tuple:
    return (
        Order.objects.count(),
        Journal.objects.count(),
        Posting.objects.count(),
        KioskSale.objects.count(),
        CashInsertion.objects.count(),
        tuple(CashSession.objects.order_by("pk").values_list("status", "inserted_amount")),
    )


def pay_cash(kiosk, line, purpose, notes, product=None):
    with transaction.atomic():
        session = service.open_cash_session(kiosk=kiosk, line=line, purpose=purpose, product=product)
        for note in notes:
            service.insert_cash(kiosk=kiosk, token=session.token, inserted=note)
    return session


def test_a_cash_topup_credits_exactly_what_was_inserted_even_off_the_product_list(kiosk, brand, topup_product):
    line = create_line(brand)
    session = pay_cash(kiosk, line, Purpose.TOPUP, [NOTE_5, COIN_2])
    with transaction.atomic():
        sales = service.settle_cash_session(kiosk=kiosk, token=session.token)
    assert [(s.order.kind, s.order.total_amount, s.order.channel, s.order.method) for s in sales] == [
        (OrderKind.TOPUP, 700, Channel.KIOSK, PaymentMethod.CASH)
    ]
    assert balances(line).credit_amount == 700
    assert cash_balance(kiosk) == 700
    session.refresh_from_db()
    assert (session.status, session.inserted_amount) == (SessionStatus.SETTLED, 700)
    assert ledger.verify() == []


def test_cash_above_a_bundle_price_goes_to_credit_as_a_topup(kiosk, brand, bundle, topup_product):
    line = create_line(brand)
    session = pay_cash(kiosk, line, Purpose.BUNDLE, [NOTE_10, NOTE_5, COIN_2, COIN_2], product=bundle)
    with transaction.atomic():
        sales = service.settle_cash_session(kiosk=kiosk, token=session.token)
    assert [(s.order.kind, s.order.total_amount) for s in sales] == [(OrderKind.BUNDLE, 1500), (OrderKind.TOPUP, 400)]
    assert line.periods.filter(product=bundle).count() == 1
    assert balances(line).credit_amount == 400
    assert cash_balance(kiosk) == 1900


def test_a_bundle_paid_exactly_makes_no_topup(kiosk, brand, bundle, topup_product):
    line = create_line(brand)
    session = pay_cash(kiosk, line, Purpose.BUNDLE, [NOTE_10, NOTE_5], product=bundle)
    with transaction.atomic():
        sales = service.settle_cash_session(kiosk=kiosk, token=session.token)
    assert [s.order.kind for s in sales] == [OrderKind.BUNDLE]
    assert balances(line).credit_amount == 0


def test_too_little_cash_for_a_bundle_changes_nothing(kiosk, brand, bundle, topup_product):
    line = create_line(brand)
    session = pay_cash(kiosk, line, Purpose.BUNDLE, [NOTE_10], product=bundle)
    before = state()
    with pytest.raises(NotEnoughCash) as refused, transaction.atomic():
        service.settle_cash_session(kiosk=kiosk, token=session.token)
    assert "5.00" in str(refused.value)
    assert state() == before


def test_nothing_inserted_cannot_be_settled_and_can_be_cancelled(kiosk, brand, topup_product):
    session = pay_cash(kiosk, create_line(brand), Purpose.TOPUP, [])
    with pytest.raises(NothingInserted), transaction.atomic():
        service.settle_cash_session(kiosk=kiosk, token=session.token)
    with transaction.atomic():
        service.cancel_cash_session(kiosk=kiosk, token=session.token)
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    with pytest.raises(SessionClosed), transaction.atomic():
        service.insert_cash(kiosk=kiosk, token=session.token, inserted=NOTE_5)


def test_cash_once_inserted_cannot_be_cancelled(kiosk, brand, topup_product):
    session = pay_cash(kiosk, create_line(brand), Purpose.TOPUP, [NOTE_5])
    with pytest.raises(CashAlreadyInserted), transaction.atomic():
        service.cancel_cash_session(kiosk=kiosk, token=session.token)


def test_a_settled_session_takes_no_more_cash_and_is_not_settled_twice(kiosk, brand, topup_product):
    session = pay_cash(kiosk, create_line(brand), Purpose.TOPUP, [NOTE_5])
    with transaction.atomic():
        service.settle_cash_session(kiosk=kiosk, token=session.token)
    before = state()
    with pytest.raises(SessionClosed), transaction.atomic():
        service.settle_cash_session(kiosk=kiosk, token=session.token)
    with pytest.raises(SessionClosed), transaction.atomic():
        service.insert_cash(kiosk=kiosk, token=session.token, inserted=NOTE_5)
    assert state() == before


def test_the_kiosk_stops_taking_cash_at_its_limit(settings, kiosk, brand, topup_product):
    settings.KIOSK_MAX_CASH_AMOUNT = 2500
    session = pay_cash(kiosk, create_line(brand), Purpose.TOPUP, [NOTE_20])
    before = state()
    with pytest.raises(CashLimitReached), transaction.atomic():
        service.insert_cash(kiosk=kiosk, token=session.token, inserted=NOTE_10)
    assert state() == before


def test_a_customer_who_walks_away_is_credited(kiosk, brand, bundle, topup_product):
    line, other = create_line(brand), create_line(brand)
    short = pay_cash(kiosk, line, Purpose.BUNDLE, [NOTE_10], product=bundle)
    # The next customer starts paying: the kiosk first settles what the last one left behind.
    empty = pay_cash(kiosk, other, Purpose.TOPUP, [])
    short.refresh_from_db()
    assert short.status == SessionStatus.SETTLED
    # Back at the start screen (the idle reset), an empty session is dropped.
    with transaction.atomic():
        assert service.settle_abandoned(kiosk=kiosk) == 1
    empty.refresh_from_db()
    assert (short.status, empty.status) == (SessionStatus.SETTLED, SessionStatus.CANCELLED)
    assert balances(line).credit_amount == 1000  # too little for the bundle: credited as a top-up
    assert not line.periods.exists()
    assert cash_balance(kiosk) == 1000


def test_sessions_of_another_kiosk_are_not_reachable(kiosk, brand, topup_product):
    session = pay_cash(kiosk, create_line(brand), Purpose.TOPUP, [NOTE_5])
    other = create_kiosk()
    with pytest.raises(SessionClosed), transaction.atomic():
        service.insert_cash(kiosk=other, token=session.token, inserted=NOTE_5)
    with pytest.raises(SessionClosed), transaction.atomic():
        service.settle_cash_session(kiosk=other, token=session.token)


def test_card_sale_and_decline(kiosk, brand, bundle):
    line = create_line(brand)
    before = state()
    with pytest.raises(CardDeclined):
        service.sell_by_card(kiosk=kiosk, line=line, product=bundle, terminal=SandboxTerminal(outcome="decline"))
    assert state() == before
    sale = service.sell_by_card(kiosk=kiosk, line=line, product=bundle, terminal=SandboxTerminal())
    assert (sale.order.method, sale.order.channel, sale.amount) == (PaymentMethod.TERMINAL_CARD, Channel.KIOSK, 1500)
    assert -ledger.balance(ledger.account(kiosk.card_account_code, AccountKind.PROVIDER_CLEARING)) == 1500


# --- Balance check -------------------------------------------------------------------------------


@pytest.fixture
def start_check(django_capture_on_commit_callbacks):
    """Start a check in a transaction and run what it does after commit (the SMS)."""

    def start(kiosk, line, language="en"):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            return service.start_balance_check(kiosk=kiosk, line=line, language=language, requester=SOMEONE)

    return start


def sent_code(line) -> str:
    import re

    message = OutboxMessage.objects.filter(kind=OutboxKind.SMS, recipient=line.msisdn).latest("id")
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def confirm(kiosk, check, code):
    refused = None
    with transaction.atomic():
        try:
            service.confirm_balance_check(kiosk=kiosk, token=check.token, code=code)
        except (WrongCode, TooManyWrongCodes, CodeExpired) as error:
            refused = error
    if refused:
        raise refused


def test_the_balance_shows_after_the_right_code(kiosk, start_check):
    line = create_line(credit=1234)
    check = start_check(kiosk, line)
    assert check.code_hash and sent_code(line) not in check.code_hash
    confirm(kiosk, check, sent_code(line))
    assert service.verified_check(kiosk=kiosk, token=check.token).line == line


def test_the_code_is_sent_only_after_commit(kiosk, django_capture_on_commit_callbacks):
    line = create_line()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        service.start_balance_check(kiosk=kiosk, line=line, language="en", requester=SOMEONE)
        raise RuntimeError("rolled back")
    assert not OutboxMessage.objects.filter(recipient=line.msisdn).exists()


def test_the_sms_is_in_the_kiosk_language(kiosk, start_check):
    line = create_line()
    start_check(kiosk, line, "nl")
    from django.utils import translation

    with translation.override("nl"):
        expected = translation.gettext(
            "simrenew: your code to see your balance at the kiosk is %(code)s. It is valid for 5 minutes."
        )
    assert OutboxMessage.objects.get(recipient=line.msisdn).body == expected % {"code": sent_code(line)}


def test_wrong_codes_are_counted_and_lock_the_check(kiosk, start_check):
    line = create_line()
    check = start_check(kiosk, line)
    for _ in range(4):
        with pytest.raises(WrongCode):
            confirm(kiosk, check, "000000" if sent_code(line) != "000000" else "111111")
    with pytest.raises(TooManyWrongCodes):
        confirm(kiosk, check, "999999" if sent_code(line) != "999999" else "111111")
    check.refresh_from_db()
    assert check.attempts == 5
    with pytest.raises(TooManyWrongCodes):
        confirm(kiosk, check, sent_code(line))  # even the right code is refused now
    with pytest.raises(CodeExpired):
        service.verified_check(kiosk=kiosk, token=check.token)


def test_codes_expire_and_a_used_code_cannot_be_reused(kiosk, start_check, settings):
    settings.KIOSK_BALANCE_SMS_COOLDOWN_SECONDS = 0  # a second code for the same number at once
    line = create_line()
    check = start_check(kiosk, line)
    code = sent_code(line)
    with time_machine.travel(clock.now() + timedelta(minutes=6)), pytest.raises(CodeExpired):
        confirm(kiosk, check, code)
    second = start_check(kiosk, line)
    confirm(kiosk, second, sent_code(line))
    with pytest.raises(CodeExpired):
        confirm(kiosk, second, sent_code(line))
    with time_machine.travel(clock.now() + timedelta(minutes=4)), pytest.raises(CodeExpired):
        service.verified_check(kiosk=kiosk, token=second.token)  # the balance is on screen for 3 minutes only


def test_a_check_of_another_kiosk_cannot_be_confirmed(kiosk, start_check):
    line = create_line()
    check = start_check(kiosk, line)
    with pytest.raises(CodeExpired):
        confirm(create_kiosk(), check, sent_code(line))
