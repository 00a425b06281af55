"""The eSSP host against a simulated note validator on a pseudo-terminal, through pyserial: notes
credited, a lost or repeated reply, a reset with a note in escrow, a full stacker, rejects."""

import pytest

from simrenew.payments.cashdevice.essp import Command
from simrenew.payments.cashdevice.simulator import NoteValidatorSimulator
from simrenew.payments.cashdevice.transport import SerialTransport
from simrenew.payments.cashdevice.validator import (
    CommandRefused,
    DeviceNotResponding,
    EsspHost,
    Happening,
    NoteValidator,
)


@pytest.fixture
def device():
    sim = NoteValidatorSimulator.on_pty(stacker_capacity=3).start()
    yield sim
    sim.stop()


@pytest.fixture
def validator(device):
    transport = SerialTransport(device.port)
    found = NoteValidator(EsspHost(transport, timeout=0.2, retries=3))
    found.start()
    found.poll()  # the power-up SLAVE RESET
    found.enable()
    yield found
    transport.close()


def poll_until_quiet(validator, rounds=6):
    seen = []
    for _ in range(rounds):
        seen += validator.poll()
    return seen


def credits(events):
    return [e.amount for e in events if e.happening == Happening.CREDIT]


def test_start_reads_the_channels_and_a_fresh_device_reports_its_reset(device):
    transport = SerialTransport(device.port)
    validator = NoteValidator(EsspHost(transport, timeout=0.2))
    setup = validator.start()
    assert setup.values == (500, 1000, 2000, 5000)
    assert setup.currencies == ("EUR",) * 4
    assert [e.happening for e in validator.poll()] == [Happening.SLAVE_RESET, Happening.DISABLED]
    assert not device.enabled
    transport.close()


def test_a_note_is_read_into_escrow_then_credited_once(device, validator):
    device.insert(2000)
    first = validator.poll()
    assert [(e.happening, e.amount) for e in first] == [(Happening.READ, 2000)]
    assert validator.escrow is not None
    rest = poll_until_quiet(validator)
    assert credits(rest) == [2000]
    assert [e.happening for e in rest][:3] == [Happening.STACKING, Happening.CREDIT, Happening.STACKED]
    assert device.stacked == [2000]
    assert validator.escrow is None


def test_a_lost_poll_reply_is_asked_again_and_its_credit_counted_once(device, validator):
    device.insert(1000)
    validator.poll()  # READ
    device.lose_next_replies(1)  # the device stacks the note, its reply is garbled on the wire
    events = validator.poll()
    assert credits(events) == [1000]
    assert validator.host.retransmissions == 1
    # The device ran the POLL once: the repeat was answered from its last reply.
    assert device.commands.count(Command.POLL) == 2 + 1  # the power-up poll, READ, the stacking poll
    assert credits(poll_until_quiet(validator)) == []
    assert device.stacked == [1000]


def test_a_reply_sent_twice_is_read_once(device, validator):
    device.insert(500)
    validator.poll()
    device.repeat_next_reply()
    assert credits(validator.poll()) == [500]
    assert credits(poll_until_quiet(validator)) == []


def test_without_the_sequence_flag_a_lost_reply_would_lose_the_credit(device, validator):
    """The control case: a host that sends a new flag after a lost reply makes the device run the
    POLL again, and the credit reported in the lost reply is gone."""
    device.insert(1000)
    validator.poll()
    device.lose_next_replies(1)
    host = validator.host
    host.retries = 1
    with pytest.raises(DeviceNotResponding):
        validator.poll()
    host._seq = not host._seq  # what a careless host does: a new command
    host.retries = 3
    assert credits(poll_until_quiet(validator)) == []
    assert device.stacked == [1000]


def test_a_reset_mid_insert_gives_the_note_back_and_credits_only_what_was_stacked(device, validator):
    device.insert(2000)
    assert credits(poll_until_quiet(validator)) == [2000]
    device.insert(5000)
    assert [e.happening for e in validator.poll()] == [Happening.READ]
    device.power_cycle(silent_commands=2)  # it reboots: two commands go unanswered
    after = validator.poll()
    assert [e.happening for e in after][:2] == [Happening.SLAVE_RESET, Happening.ESCROW_LOST]
    assert after[1].amount == 5000
    assert device.returned == [5000]
    assert credits(after) == []
    # Started again, it takes the next note.
    validator.start()
    validator.enable()
    device.insert(1000)
    assert credits(poll_until_quiet(validator)) == [1000]
    assert device.stacked == [2000, 1000]


def test_a_full_stacker_rejects_the_next_note_and_says_so(device, validator):
    for amount in (500, 500, 500):
        device.insert(amount)
    events = poll_until_quiet(validator, rounds=12)
    assert credits(events) == [500, 500, 500]
    assert Happening.STACKER_FULL in [e.happening for e in events]
    device.insert(2000)
    events = poll_until_quiet(validator)
    assert credits(events) == []
    assert Happening.REJECTED in [e.happening for e in events]
    assert device.returned == [2000]


def test_the_host_rejects_a_note_in_escrow(device, validator):
    device.insert(5000)
    validator.poll()
    validator.reject()
    events = poll_until_quiet(validator)
    assert credits(events) == []
    assert [e.happening for e in events][:1] == [Happening.REJECTED]
    assert device.returned == [5000] and device.stacked == []


def test_hold_keeps_the_note_in_escrow_one_more_poll(device, validator):
    device.insert(1000)
    validator.poll()
    validator.hold()
    assert credits(validator.poll()) == []
    assert device.in_escrow == 1000
    assert credits(poll_until_quiet(validator)) == [1000]


def test_a_fake_note_is_rejected_and_reject_without_escrow_is_refused(device, validator):
    device.insert(2000, genuine=False)
    events = poll_until_quiet(validator)
    assert credits(events) == []
    assert Happening.REJECTED in [e.happening for e in events]
    with pytest.raises(CommandRefused):
        validator.reject()


def test_a_disabled_validator_takes_no_note(device, validator):
    validator.disable()
    device.insert(1000)
    events = poll_until_quiet(validator)
    assert {e.happening for e in events} == {Happening.DISABLED}
    validator.enable()
    assert credits(poll_until_quiet(validator)) == [1000]


def test_a_silent_device_is_reported_after_the_retries(device):
    transport = SerialTransport(device.port)
    host = EsspHost(transport, timeout=0.05, retries=2)
    device.power_cycle(silent_commands=5)
    with pytest.raises(DeviceNotResponding):
        host.command(Command.SYNC)
    transport.close()
