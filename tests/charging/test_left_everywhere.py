"""What is left of a bundle is the same figure wherever it is shown: My account, the line page, the shop
desk, the kiosk's balance screen, `*100#` and the kiosk API all take the seconds used of the next minute
and the bytes used of the next MB off (a period counts whole minutes and MB, and carries the rest)."""

import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.charging.models import MB_BYTES
from simrenew.kiosks import service as kiosks
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.terminals.models import TerminalKind
from simrenew.web.kiosk.views import line_ref
from tests.api.ussd_gateway import UssdGateway
from tests.charging.helpers import Session, create_rates, give_bundle, network_client
from tests.factories import create_brand, create_customer, create_line, link
from tests.kiosks.factories import create_kiosk, enrol_screen, kiosk_api
from tests.retail.factories import create_terminal
from tests.shops.factories import create_shop, create_staff, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    brand = create_brand()
    create_rates(brand, voice_rounding=1)  # calls by the second: a call leaves seconds of a minute carried
    line = create_line(brand, msisdn="+32470123456", credit=500)
    give_bundle(line, data_mb=100, minutes=300, sms=5)
    session = Session(network_client(), line)
    # 5 whole minutes off and 54 s of the sixth carried; half an MB carried: 294.1 min and 99.5 MB left,
    # where the period still counts 295 minutes and 100 MB.
    session.start(voice=354, data=MB_BYTES // 2)
    session.release(voice=354, data=MB_BYTES // 2)
    return line


def facts(html: str) -> dict[str, str]:
    """A page's facts (`<dt>term</dt><dd>value</dd>`), tags inside a value removed."""
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    return {term: re.sub(r"<[^>]*>", "", value).strip() for term, value in pairs}


def in_language(language: str, name: str, **kwargs: object) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


@pytest.mark.parametrize(
    ("language", "minutes", "data"), [("en", "294.1 min", "99.5 MB"), ("nl", "294,1 min", "99,5 MB")]
)
def test_my_account_and_the_line_page_say_the_same(line, language, minutes, data):
    holder = create_customer(language=language)
    link(holder, line)
    client = Client()
    client.force_login(holder)
    with translation.override(language):
        account = facts(client.get(in_language(language, "portal:account")).content.decode())
        detail = facts(client.get(in_language(language, "portal:line", line_id=line.pk)).content.decode())
        minutes_left, data_left = translation.gettext("Minutes left"), translation.gettext("Data left")
    assert account[minutes_left] == detail[minutes_left] == minutes
    assert account[data_left] == detail[data_left] == data


def test_the_shop_desk_says_the_same(line):
    shop = create_shop("brussels-central", name="Brussels-Central")
    page = staff_client(create_staff(shop)).get(in_language("en", "shop:line", line_id=line.pk)).content.decode()
    assert facts(page)["Minutes left"] == "294.1 min"
    assert facts(page)["Data left"] == "99.5 MB"
    assert facts(page)["SMS left"] == "5 SMS"


def test_the_kiosk_balance_screen_says_the_same(line, django_capture_on_commit_callbacks):
    kiosk = create_kiosk("hall")
    screen = Client()
    enrol_screen(screen, kiosk)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        check = kiosks.start_balance_check(kiosk=kiosk, line=line, language="en", requester=kiosks.Requester())
    sent = OutboxMessage.objects.filter(kind=OutboxKind.SMS, recipient=line.msisdn).latest("id")
    code = re.search(r"\b(\d{6})\b", sent.body).group(1)
    answered = screen.post(in_language("en", "kiosk:balance_code", kiosk=kiosk.code, token=check.token), {"code": code})
    assert answered.status_code == 302, answered.content.decode()
    page = screen.get(answered["Location"]).content.decode()
    assert facts(page)["Minutes left"] == "294.1 min"
    assert facts(page)["Data left"] == "99.5 MB"
    assert line_ref(kiosk, line)  # the screen goes on to top up this line


def test_the_phone_menu_says_the_same(client, line):
    link(create_customer(language="en"), line)
    terminal, secret = create_terminal(None, kind=TerminalKind.SMS_GATEWAY)
    gateway = UssdGateway(client, terminal.key_id, secret)
    session = gateway.session("*100#", line.msisdn)
    screen = session.open()
    texts = [screen.text]
    while screen.more:
        screen = session.type("0")
        texts.append(screen.text)
    assert "99.5 MB, 294.1 min, 5 SMS" in " ".join(texts).replace("\n", " ")


def test_the_kiosk_api_gives_the_exact_units_with_the_whole_ones(line, django_capture_on_commit_callbacks):
    api = kiosk_api(create_kiosk("airport", with_terminal=True))
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/api/kiosk/balance-checks", {"number": "0470 12 34 56"}, key="b1")
    sent = OutboxMessage.objects.filter(kind=OutboxKind.SMS, recipient=line.msisdn).latest("id")
    code = re.search(r"\b(\d{6})\b", sent.body).group(1)
    confirmed = api.post(f"/api/kiosk/balance-checks/{started.json()['check_id']}/confirm", {"code": code}, key="c1")
    bundle = confirmed.json()["bundle"]
    assert (bundle["voice_minutes_left"], bundle["voice_seconds_left"]) == (295, 294 * 60 + 6)
    assert (bundle["data_mb_left"], bundle["data_bytes_left"]) == (100, 100 * MB_BYTES - MB_BYTES // 2)
