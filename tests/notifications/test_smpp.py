"""The SMPP gateway (smpplib) against a small SMPP server started by the test on 127.0.0.1."""

import pytest
from django.db import transaction
from smpplib import consts

from simrenew.notifications import delivery
from simrenew.notifications.models import NotificationKind, NotificationStatus, OutboxMessage
from simrenew.notifications.smpp import SmppSmsGateway, SmsNotAccepted
from simrenew.notifications.sms import get_gateway
from tests.factories import create_line
from tests.notifications.smpp_server import SmppServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smsc(settings):
    with SmppServer() as server:
        settings.SMS_GATEWAY = f"smpp://simrenew:secret@127.0.0.1:{server.port}?source=Proximus"
        yield server


def test_the_gateway_is_chosen_by_the_url(smsc):
    assert isinstance(get_gateway(), SmppSmsGateway)


def test_a_short_text_is_one_submit_sm_from_the_brand_sender(smsc):
    reference = get_gateway().send(to="+32470123456", text="Proximus: your bundle ends on 1 May 2026. €15.00")
    assert reference == "msg-1"
    assert smsc.binds == [("simrenew", "secret")]
    [message] = smsc.messages
    assert (message.destination_addr, message.source_addr) == ("32470123456", "Proximus")
    assert message.source_addr_ton == consts.SMPP_TON_ALNUM
    assert message.data_coding == consts.SMPP_ENCODING_DEFAULT
    assert smsc.texts() == ["Proximus: your bundle ends on 1 May 2026. €15.00"]


def test_chinese_goes_as_ucs2_and_a_long_text_in_concatenated_parts(smsc):
    text = "您的套餐将于2026年5月1日到期。" * 6  # 102 characters: more than 70, so two UCS-2 parts
    reference = get_gateway().send(to="+32470123456", text=text)
    assert reference == "msg-1,msg-2"
    assert [m.data_coding for m in smsc.messages] == [consts.SMPP_ENCODING_ISO10646] * 2
    assert all(m.esm_class & consts.SMPP_GSMFEAT_UDHI for m in smsc.messages)
    assert smsc.texts() == [text]


def test_a_wrong_password_or_a_refusal_is_an_error(settings):
    with SmppServer(password="other") as server:
        settings.SMS_GATEWAY = f"smpp://simrenew:secret@127.0.0.1:{server.port}"
        with pytest.raises(SmsNotAccepted):
            get_gateway().send(to="+32470123456", text="hello")
        assert server.messages == []
    with SmppServer(refuse_submit=True) as server:
        settings.SMS_GATEWAY = f"smpp://simrenew:secret@127.0.0.1:{server.port}"
        with pytest.raises(SmsNotAccepted):
            get_gateway().send(to="+32470123456", text="hello")


def test_an_unreachable_smsc_is_an_error(settings):
    with SmppServer() as server:
        port = server.port
    settings.SMS_GATEWAY = f"smpp://simrenew:secret@127.0.0.1:{port}"
    with pytest.raises(SmsNotAccepted):
        get_gateway().send(to="+32470123456", text="hello")


def test_a_notification_goes_out_through_smpp_once_and_a_failure_is_retried(smsc, settings, time_machine):
    time_machine.move_to("2026-05-04T10:00:00+02:00", tick=False)
    line = create_line()
    with transaction.atomic():
        [row] = delivery.notify(
            kind=NotificationKind.LOW_CREDIT,
            event_key="low:1",
            line=line,
            people=[],
            facts={"balance_amount": 120},
        )
    assert delivery.deliver(row.pk) == "sent"
    assert delivery.deliver(row.pk) == "not_due"
    row.refresh_from_db()
    assert (row.status, row.gateway_reference) == (NotificationStatus.SENT, "msg-1")
    assert len(smsc.messages) == 1 and "€1.20" in smsc.texts()[0]
    assert OutboxMessage.objects.count() == 0  # really left through SMPP

    smsc.refuse_submit = True
    with transaction.atomic():
        [other] = delivery.notify(
            kind=NotificationKind.LOW_CREDIT, event_key="low:2", line=line, people=[], facts={"balance_amount": 50}
        )
    assert delivery.deliver(other.pk) == "retry"
    other.refresh_from_db()
    assert (other.status, other.attempts) == (NotificationStatus.PENDING, 1)
    smsc.refuse_submit = False
    time_machine.shift(600)
    assert delivery.send_due() == 1
    other.refresh_from_db()
    assert other.status == NotificationStatus.SENT
