"""eSSP framing: CRC-16, byte stuffing, packet decoding from a noisy stream, poll events and SETUP."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simrenew.payments.cashdevice import essp
from simrenew.payments.cashdevice.essp import Event, Garbled, Packet, PolledEvent, ProtocolError


def test_known_packets_from_the_protocol_manual():
    # SYNC to slave 0 with the sequence flag set, and the device's OK: the manual's examples.
    assert essp.encode(Packet(0, True, bytes([0x11]))) == bytes.fromhex("7F80011165 82".replace(" ", ""))
    assert essp.encode(Packet(0, True, bytes([0xF0]))) == bytes.fromhex("7F8001F02380")
    assert essp.crc16(bytes([0x80, 0x01, 0x11])) == 0x8265


def test_a_0x7f_in_the_body_is_sent_twice_and_read_once():
    packet = Packet(slave_id=0, seq=False, data=bytes([0x7F, 0x01, 0x7F]))
    wire = essp.encode(packet)
    assert wire.count(b"\x7f\x7f") >= 2
    assert wire[0] == essp.STX and wire[1] != essp.STX
    assert essp.decode_all(wire) == [packet]


def test_noise_before_a_packet_is_skipped_and_a_bad_crc_is_garbled():
    good = essp.encode(Packet(3, False, b"\xf0\xee\x02"))
    bad = bytearray(good)
    bad[-1] ^= 0x10
    found = essp.decode_all(b"\x00\x13\x55" + bytes(bad) + good)
    assert isinstance(found[0], Garbled)
    assert found[1] == Packet(3, False, b"\xf0\xee\x02")


def test_a_packet_cut_short_by_a_new_stx_is_garbled_and_the_next_one_read():
    good = essp.encode(Packet(0, True, b"\x07"))
    found = essp.decode_all(good[:3] + good)
    assert isinstance(found[0], Garbled)
    assert found[1] == Packet(0, True, b"\x07")


@given(
    slave=st.integers(0, 0x7F),
    seq=st.booleans(),
    data=st.binary(min_size=0, max_size=255),
    cuts=st.lists(st.integers(1, 600), max_size=6),
    noise=st.binary(max_size=8).filter(lambda b: essp.STX not in b),
)
def test_any_packet_survives_the_wire_in_any_chunks(slave, seq, data, cuts, noise):
    packet = Packet(slave, seq, data)
    wire = noise + essp.encode(packet)
    # After the STX, no lone 0x7F: every one is doubled.
    body = wire[len(noise) + 1 :]
    assert body.replace(b"\x7f\x7f", b"").count(b"\x7f") == 0
    decoder = essp.Decoder()
    found = []
    start = 0
    for cut in sorted(cuts):
        found += decoder.feed(wire[start:cut])
        start = max(start, cut)
    found += decoder.feed(wire[start:])
    assert found == [packet]


@given(data=st.binary(min_size=1, max_size=40), flip=st.integers(0, 400), bit=st.integers(0, 7))
def test_a_flipped_bit_is_never_read_as_another_good_packet(data, flip, bit):
    wire = bytearray(essp.encode(Packet(0, True, data)))
    at = 1 + flip % (len(wire) - 1)
    wire[at] ^= 1 << bit
    found = [p for p in essp.decode_all(bytes(wire)) if isinstance(p, Packet)]
    # CRC-16 catches every single-bit error; a flip into or out of 0x7F may only cut the packet short.
    assert found == []


def test_poll_events_with_and_without_channels():
    events = [
        PolledEvent(Event.SLAVE_RESET),
        PolledEvent(Event.READ_NOTE, 3),
        PolledEvent(Event.STACKING),
        PolledEvent(Event.CREDIT_NOTE, 3),
        PolledEvent(Event.STACKED),
        PolledEvent(Event.FRAUD_ATTEMPT, 1),
        PolledEvent(Event.STACKER_FULL),
    ]
    raw = essp.format_events(events)
    assert raw == bytes([0xF1, 0xEF, 3, 0xCC, 0xEE, 3, 0xEB, 0xE6, 1, 0xE7])
    assert essp.parse_events(raw) == events


@pytest.mark.parametrize("raw", [b"\x99", b"\xee"])
def test_an_unknown_event_or_a_missing_channel_is_a_protocol_error(raw):
    with pytest.raises(ProtocolError):
        essp.parse_events(raw)


def test_setup_request_gives_each_channels_value_in_cents():
    setup = essp.Setup(
        firmware="0400", country="EUR", protocol_version=7, values=(500, 1000, 2000, 5000), currencies=("EUR",) * 4
    )
    parsed = essp.parse_setup(essp.format_setup(setup))
    assert parsed == setup
    assert parsed.value_of(3) == 2000
    assert parsed.value_of(0) == 0 and parsed.value_of(5) == 0


def test_an_old_protocol_or_a_short_setup_reply_is_refused():
    setup = essp.Setup(firmware="0400", country="EUR", protocol_version=5, values=(500,), currencies=("EUR",))
    with pytest.raises(ProtocolError):
        essp.parse_setup(essp.format_setup(setup))
    good = essp.format_setup(
        essp.Setup(firmware="0400", country="EUR", protocol_version=7, values=(500,), currencies=("EUR",))
    )
    with pytest.raises(ProtocolError):
        essp.parse_setup(good[:-2])
