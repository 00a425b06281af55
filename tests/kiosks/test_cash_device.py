"""The kiosk's cash device service against a simulated note validator on a pseudo-terminal: the
kiosk credits exactly what the device reports as stacked, once, whatever the wire and the device
do; every event is in the cash-box audit; the cash page shows and settles only those credits."""

from itertools import count

import pytest
from django.db import DatabaseError, transaction

from simrenew.kiosks import cashbox
from simrenew.kiosks import service as kiosks
from simrenew.kiosks.cash_device import CashDeviceService
from simrenew.kiosks.models import CashBoxEvent, CashBoxEventKind, CashDevice, CashSession, Purpose, SessionStatus
from simrenew.ledger import service as ledger
from simrenew.lines.queries import balances
from simrenew.orders.models import Order, OrderKind
from simrenew.payments.cashdevice.simulator import NoteValidatorSimulator
from simrenew.payments.cashdevice.transport import SerialTransport
from simrenew.payments.cashdevice.validator import EsspHost, NoteValidator
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk, enrol_screen

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand():
    brand = create_brand(code="acme")
    create_topup_product(brand, amounts=[1000, 2000])
    return brand


@pytest.fixture
def kiosk():
    return create_kiosk("gare-du-midi")


@pytest.fixture
def device():
    sim = NoteValidatorSimulator.on_pty().start()
    yield sim
    sim.stop()


@pytest.fixture
def service(kiosk, device):
    transport = SerialTransport(device.port)
    ticks = count()
    found = CashDeviceService(
        kiosk=kiosk,
        validator=NoteValidator(EsspHost(transport, timeout=0.2)),
        port=device.port,
        monotonic=lambda: float(next(ticks)),
    )
    found.start()
    found.step()  # the power-up reset
    yield found
    transport.close()


def open_session(kiosk, line, purpose=Purpose.TOPUP, product=None) -> CashSession:
    with transaction.atomic():
        return kiosks.open_cash_session(kiosk=kiosk, line=line, purpose=purpose, product=product)


def steps(service, n=6):
    for _ in range(n):
        service.step()


def kinds(kiosk):
    return list(CashBoxEvent.objects.filter(kiosk=kiosk).order_by("id").values_list("kind", "amount"))


def test_the_acceptor_is_enabled_only_while_a_session_is_open(kiosk, brand, device, service):
    assert not device.enabled
    device.insert(1000)
    steps(service, 3)
    assert device.stacked == [] and device.enabled is False
    session = open_session(kiosk, create_line(brand))
    service.step()
    assert device.enabled
    steps(service, 4)
    session.refresh_from_db()
    assert session.inserted_amount == 1000
    with transaction.atomic():
        kiosks.settle_cash_session(kiosk=kiosk, token=session.token)
    service.step()
    assert not device.enabled


def test_notes_stacked_are_credited_exactly_and_audited(kiosk, brand, device, service):
    line = create_line(brand)
    session = open_session(kiosk, line)
    service.step()
    for amount in (2000, 500, 1000):
        device.insert(amount)
    steps(service, 10)
    session.refresh_from_db()
    assert session.inserted_amount == 3500 == sum(device.stacked)
    credited = CashBoxEvent.objects.filter(kiosk=kiosk, kind=CashBoxEventKind.CREDIT).order_by("id")
    assert [(e.amount, e.session_id, e.device.port, e.denomination_kind) for e in credited] == [
        (2000, session.pk, device.port, "note"),
        (500, session.pk, device.port, "note"),
        (1000, session.pk, device.port, "note"),
    ]
    assert [k for k, _ in kinds(kiosk)].count(CashBoxEventKind.READ) == 3
    assert [k for k, _ in kinds(kiosk)].count(CashBoxEventKind.STACKED) == 3
    with transaction.atomic():
        sales = kiosks.settle_cash_session(kiosk=kiosk, token=session.token)
    assert [(s.order.kind, s.order.total_amount) for s in sales] == [(OrderKind.TOPUP, 3500)]
    assert balances(line).credit_amount == 3500
    assert cashbox.expected_in_box(kiosk).amount == 3500 == cashbox.expected_in_box(kiosk).ledger_amount
    assert ledger.verify() == []


def test_a_lost_poll_reply_does_not_count_a_note_twice_or_lose_it(kiosk, brand, device, service):
    session = open_session(kiosk, create_line(brand))
    service.step()
    device.insert(2000)
    service.step()  # READ
    device.lose_next_replies(2)  # the stacking poll's reply, and its first repeat, are garbled
    steps(service, 4)
    session.refresh_from_db()
    assert service.validator.host.retransmissions == 2
    assert session.inserted_amount == 2000
    assert CashBoxEvent.objects.filter(kind=CashBoxEventKind.CREDIT).count() == 1


def test_a_reset_mid_insert_credits_only_what_was_stacked_and_the_session_carries_on(kiosk, brand, device, service):
    line = create_line(brand)
    session = open_session(kiosk, line)
    service.step()
    device.insert(1000)
    steps(service, 3)
    device.insert(5000)
    service.step()  # the €50 note is in escrow
    assert device.in_escrow == 5000
    device.power_cycle(silent_commands=1)
    steps(service, 2)
    session.refresh_from_db()
    assert session.inserted_amount == 1000
    assert device.returned == [5000]
    audit = kinds(kiosk)
    assert (CashBoxEventKind.SLAVE_RESET, 0) in audit and (CashBoxEventKind.ESCROW_LOST, 5000) in audit
    # Started again and enabled for the same session: the customer inserts the note again.
    assert device.enabled
    device.insert(5000)
    steps(service, 4)
    session.refresh_from_db()
    assert session.inserted_amount == 6000 == sum(device.stacked)
    assert session.status == SessionStatus.OPEN


def test_a_note_no_session_may_take_is_given_back(kiosk, brand, device, service, settings):
    settings.KIOSK_MAX_CASH_AMOUNT = 3000
    session = open_session(kiosk, create_line(brand))
    service.step()
    device.insert(2000)
    device.insert(2000)  # would take the visit past €30
    steps(service, 8)
    session.refresh_from_db()
    assert session.inserted_amount == 2000
    assert device.stacked == [2000] and device.returned == [2000]
    assert (CashBoxEventKind.REFUSED, 2000) in kinds(kiosk)
    assert (CashBoxEventKind.REJECTED, 0) in kinds(kiosk)


def test_stacker_full_is_audited_and_the_next_note_given_back(kiosk, brand):
    sim = NoteValidatorSimulator.on_pty(stacker_capacity=1).start()
    transport = SerialTransport(sim.port)
    try:
        service = CashDeviceService(
            kiosk=kiosk, validator=NoteValidator(EsspHost(transport, timeout=0.2)), port=sim.port, monotonic=lambda: 0.0
        )
        service.start()
        session = open_session(kiosk, create_line(brand))
        steps(service, 2)
        sim.insert(1000)
        steps(service, 4)
        sim.insert(2000)
        steps(service, 4)
        session.refresh_from_db()
        assert session.inserted_amount == 1000
        assert sim.returned == [2000]
        assert CashBoxEvent.objects.filter(kiosk=kiosk, kind=CashBoxEventKind.STACKER_FULL).exists()
    finally:
        transport.close()
        sim.stop()


def test_a_note_stacked_after_its_session_was_finished_is_still_credited_to_that_line(kiosk, brand, device, service):
    line = create_line(brand)
    session = open_session(kiosk, line)
    service.step()
    device.insert(1000)
    steps(service, 3)
    device.insert(500)
    service.step()  # €5 in escrow ...
    with transaction.atomic():  # ... as the customer presses "top up"
        kiosks.settle_cash_session(kiosk=kiosk, token=session.token)
    steps(service, 3)
    orders = Order.objects.filter(line=line, kind=OrderKind.TOPUP).order_by("id")
    assert [o.total_amount for o in orders] == [1000, 500]
    assert balances(line).credit_amount == 1500
    late = CashBoxEvent.objects.get(kind=CashBoxEventKind.CREDIT, amount=500)
    assert late.session.status == SessionStatus.SETTLED and late.session.line == line
    assert cashbox.expected_in_box(kiosk).amount == 1500 == cashbox.expected_in_box(kiosk).ledger_amount


def test_a_credit_whose_write_failed_is_written_once_later(kiosk, brand, device, service, monkeypatch):
    session = open_session(kiosk, create_line(brand))
    service.step()
    device.insert(2000)
    service.step()
    real = cashbox.credit_stacked
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["at"])
        if len(calls) == 1:
            raise DatabaseError("connection lost")
        return real(**kwargs)

    monkeypatch.setattr(cashbox, "credit_stacked", flaky)
    with pytest.raises(DatabaseError):
        service.step()  # CREDIT arrives; its write fails
    assert len(service.pending) == 1
    steps(service, 2)
    session.refresh_from_db()
    assert session.inserted_amount == 2000
    assert calls[0] == calls[1]  # retried under the same event id
    # A retry of a write that did commit changes nothing.
    again = real(kiosk=kiosk, device=service.device, amount=2000, at=calls[0], session_id=session.pk)
    session.refresh_from_db()
    assert session.inserted_amount == 2000 and again.kind == CashBoxEventKind.CREDIT
    assert CashBoxEvent.objects.filter(kind=CashBoxEventKind.CREDIT).count() == 1


def test_the_device_row_says_when_the_kiosk_takes_cash(kiosk, device, service, settings):
    settings.CASH_ACCEPTOR = "essp"
    assert cashbox.takes_cash(kiosk)
    row = CashDevice.objects.get(kiosk=kiosk)
    assert (row.port, row.channels, row.currency) == (device.port, [500, 1000, 2000, 5000], "EUR")
    service.went_silent()
    assert not cashbox.takes_cash(kiosk)
    assert CashBoxEvent.objects.filter(kind=CashBoxEventKind.OFFLINE).count() == 1


# --- The kiosk page with a note validator ------------------------------------------------------


@pytest.fixture
def screen(client, kiosk):
    enrol_screen(client, kiosk)
    return client


def test_the_cash_page_shows_recorded_credits_and_cannot_add_cash_itself(
    kiosk, brand, device, service, screen, settings
):
    settings.CASH_ACCEPTOR = "essp"
    line = create_line(brand)
    session = open_session(kiosk, line)
    url = f"/en/kiosk/{kiosk.code}/cash/{session.token}/"
    page = screen.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Insert €5.00 note" not in html and "note reader" in html
    # A forged "insert" is refused and adds nothing.
    refused = screen.post(url, {"form_key": "a" * 32, "insert": "5000"})
    assert refused.status_code == 503
    session.refresh_from_db()
    assert session.inserted_amount == 0
    device.insert(2000)
    steps(service, 4)
    status = screen.get(f"{url}status/").json()
    assert status["open"] is True and status["inserted_amount"] == 2000 and status["can_finish"] is True
    assert "€20.00" in status["status"]
    done = screen.post(url, {"form_key": "b" * 32, "finish": "1"})
    assert done.status_code == 302
    again = screen.post(url, {"form_key": "b" * 32, "finish": "1"})
    assert again.status_code == 302
    assert list(Order.objects.filter(line=line).values_list("total_amount", flat=True)) == [2000]
    assert screen.get(f"{url}status/").json()["open"] is False


def test_a_bundle_cannot_be_finished_before_the_price_is_in(kiosk, brand, device, service, screen, settings):
    settings.CASH_ACCEPTOR = "essp"
    bundle = create_bundle(brand, price_amount=1500)
    session = open_session(kiosk, create_line(brand), Purpose.BUNDLE, bundle)
    url = f"/en/kiosk/{kiosk.code}/cash/{session.token}/status/"
    device.insert(1000)
    steps(service, 4)
    status = screen.get(url).json()
    assert (status["inserted_amount"], status["can_finish"]) == (1000, False)
    assert "€5.00 still to insert" in status["status"]
