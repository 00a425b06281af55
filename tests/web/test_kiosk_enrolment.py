"""Kiosk pages open only on an enrolled screen: staff issue a one-time code, the screen types it at
/<lang>/kiosk/<kiosk>/enrol/ and keeps a signed cookie; any other browser, or a revoked screen,
sees a neutral page in its language with nothing of the kiosk on it."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone, translation

from simrenew.kiosks import devices
from simrenew.kiosks.models import CashSession, EnrolmentCode, Kiosk, KioskDevice
from simrenew.web.kiosk import urls as kiosk_urls
from simrenew.web.kiosk.enrolment import COOKIE
from tests.factories import create_brand, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk, enrol_screen

pytestmark = pytest.mark.django_db
LANGUAGES = [code for code, _ in settings.LANGUAGES]
NOT_IN_SERVICE = "This screen is not in service"


@pytest.fixture
def kiosk() -> Kiosk:
    return create_kiosk("airport")


def enrol_url(kiosk: Kiosk, language: str = "en") -> str:
    return f"/{language}/kiosk/{kiosk.code}/enrol/"


def start_url(kiosk: Kiosk, language: str = "en") -> str:
    return f"/{language}/kiosk/{kiosk.code}/"


def alerts(response) -> str:
    return " ".join(re.findall(r'role="alert">([^<]+)', response.content.decode()))


def assert_not_in_service(response, kiosk: Kiosk, language: str = "en") -> None:
    page = response.content.decode()
    assert response.status_code == 403
    assert f'<html lang="{language}">' in page
    with translation.override(language):
        assert translation.gettext(NOT_IN_SERVICE) in page
    assert kiosk.name not in page and kiosk.location not in page and kiosk.code not in page
    assert "<form" not in page


def kiosk_pages(kiosk: Kiosk, language: str) -> list[str]:
    """Every kiosk page but the enrol page, with made-up arguments."""
    pages = []
    for pattern in kiosk_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name == "enrol":
            continue
        arguments = {name: "x" for name in pattern.pattern.converters}
        with translation.override(language):
            pages.append(reverse(f"kiosk:{pattern.name}", kwargs={**arguments, "kiosk": kiosk.code}))
    return pages


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_browser_that_is_not_enrolled_sees_only_the_neutral_page(client, kiosk, language):
    pages = kiosk_pages(kiosk, language)
    assert len(pages) == len(kiosk_urls.urlpatterns) - 1
    for page in pages:
        assert_not_in_service(client.get(page), kiosk, language)
    assert_not_in_service(client.get(f"/{language}/kiosk/nowhere/"), kiosk, language)


def test_a_browser_that_is_not_enrolled_can_take_no_money(client, kiosk):
    line = create_line(create_brand(), msisdn="+32470123456")
    create_topup_product(line.brand)
    screen = Client()
    enrol_screen(screen, kiosk)
    cash_url = screen.post(
        screen.post(f"/en/kiosk/{kiosk.code}/number/topup/", {"number": "0470 12 34 56"}).url, {"pay": "cash"}
    ).url
    assert_not_in_service(client.post(cash_url, {"insert": "1000", "form_key": "a" * 32}), kiosk)
    assert CashSession.objects.get().inserted_amount == 0


def test_enrol_with_a_code_and_the_kiosk_works(client, kiosk):
    # given a code issued in the back office, in the URL it is handed out with
    _code, plain = devices.issue_enrolment_code(kiosk=kiosk)
    form = client.get(enrol_url(kiosk) + f"?code={plain}")
    assert form.status_code == 200 and f'value="{plain}"' in form.content.decode()
    assert kiosk.name not in form.content.decode()
    # when the screen sends it
    enrolled = client.post(enrol_url(kiosk), {"code": plain})
    # then it is one of the kiosk's screens, with a long-lived, HttpOnly, SameSite=Strict cookie
    assert enrolled.status_code == 302 and enrolled.url == start_url(kiosk)
    cookie = enrolled.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and not cookie["secure"]
    assert cookie["max-age"] == settings.KIOSK_DEVICE_COOKIE_DAYS * 24 * 3600
    device = KioskDevice.objects.get()
    assert device.kiosk == kiosk and device.revoked_at is None
    start = client.get(start_url(kiosk))
    assert start.status_code == 200 and kiosk.name in start.content.decode()


def test_the_screen_cookie_is_secure_in_production(client, kiosk, settings):
    settings.SESSION_COOKIE_SECURE = True  # as PRODUCTION sets it
    _code, plain = devices.issue_enrolment_code(kiosk=kiosk)
    assert client.post(enrol_url(kiosk), {"code": plain}).cookies[COOKIE]["secure"]


def test_a_code_used_once_is_refused_with_a_clear_message(client, kiosk):
    _code, plain = devices.issue_enrolment_code(kiosk=kiosk)
    assert client.post(enrol_url(kiosk), {"code": plain}).status_code == 302
    second = Client()
    refused = second.post(enrol_url(kiosk, "nl"), {"code": plain})
    assert refused.status_code == 409
    with translation.override("nl"):
        expected = translation.gettext("This enrolment code was already used. Issue a new one in the back office.")
    assert expected in alerts(refused)
    assert COOKIE not in refused.cookies
    assert KioskDevice.objects.count() == 1
    assert_not_in_service(second.get(start_url(kiosk, "nl")), kiosk, "nl")


def test_an_expired_code_is_refused_with_a_clear_message(client, kiosk, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _code, plain = devices.issue_enrolment_code(kiosk=kiosk)
    time_machine.shift(timedelta(minutes=settings.KIOSK_ENROLMENT_CODE_MINUTES, seconds=1))
    refused = client.post(enrol_url(kiosk), {"code": plain})
    assert refused.status_code == 400
    assert "This enrolment code has expired. Issue a new one in the back office." in alerts(refused)
    assert COOKIE not in refused.cookies and not KioskDevice.objects.exists()
    assert EnrolmentCode.objects.get().used_at is None


def test_a_code_for_another_kiosk_or_made_up_is_refused(client, kiosk):
    _code, plain = devices.issue_enrolment_code(kiosk=create_kiosk())
    for code in (plain, "ABCDE-FGHJK"):
        refused = client.post(enrol_url(kiosk), {"code": code})
        assert refused.status_code == 400
        assert "This enrolment code is not right for this kiosk." in alerts(refused)
    assert not KioskDevice.objects.exists()


def test_an_unknown_kiosk_has_no_enrol_page(client):
    assert client.get("/en/kiosk/nowhere/enrol/").status_code == 404


def test_a_revoked_screen_sees_the_neutral_page(client, kiosk):
    device = enrol_screen(client, kiosk)
    assert client.get(start_url(kiosk)).status_code == 200
    devices.revoke(devices=KioskDevice.objects.filter(pk=device.pk))
    assert_not_in_service(client.get(start_url(kiosk)), kiosk)


def test_a_screen_of_one_kiosk_does_not_open_another(client, kiosk):
    enrol_screen(client, kiosk)
    other = create_kiosk()
    assert_not_in_service(client.get(start_url(other)), other)


def test_a_forged_or_altered_cookie_is_no_screen(client, kiosk):
    enrol_screen(client, kiosk)
    signed = client.cookies[COOKIE].value
    client.cookies[COOKIE] = signed[:-2] + ("AA" if not signed.endswith("AA") else "BB")
    assert_not_in_service(client.get(start_url(kiosk)), kiosk)
    client.cookies[COOKIE] = "made-up"
    assert_not_in_service(client.get(start_url(kiosk)), kiosk)


def test_the_cookie_is_renewed_while_the_screen_is_in_use(client, kiosk, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    enrol_screen(client, kiosk)
    assert COOKIE not in client.get(start_url(kiosk)).cookies  # enrolled today
    time_machine.shift(timedelta(days=1))
    renewed = client.get(start_url(kiosk))
    assert renewed.status_code == 200 and renewed.cookies[COOKIE]["max-age"]


def test_enrolling_again_replaces_the_screen_this_browser_was(client, kiosk):
    first = enrol_screen(client, kiosk)
    second = enrol_screen(client, kiosk)
    assert KioskDevice.objects.get(pk=first.pk).revoked_at is not None
    assert KioskDevice.objects.get(pk=second.pk).revoked_at is None
    assert client.get(start_url(kiosk)).status_code == 200


# --- The back office and the command line --------------------------------------------------------


def test_staff_issue_a_code_in_the_admin_that_enrols_a_screen(admin_client, kiosk):
    page = admin_client.post(
        "/en/admin/kiosks/kiosk/", {"action": "issue_enrolment_codes", "_selected_action": [kiosk.pk]}, follow=True
    )
    message = re.search(
        r"enrolment code ([0-9A-Z]{5}-[0-9A-Z]{5}).*?open (\S+/enrol/\?code=\S+?)<", page.content.decode()
    )
    assert message is not None, page.content.decode()
    plain, url = message.groups()
    assert url.endswith(f"/en/kiosk/{kiosk.code}/enrol/?code={plain}")
    screen = Client()
    assert screen.post(enrol_url(kiosk), {"code": plain}).status_code == 302
    assert screen.get(start_url(kiosk)).status_code == 200


def test_staff_list_a_kiosks_screens_and_revoke_one(admin_client, kiosk):
    kept, revoked = Client(), Client()
    kept_device = enrol_screen(kept, kiosk)
    device = enrol_screen(revoked, kiosk)
    elsewhere = create_kiosk()
    elsewhere_device = enrol_screen(Client(), elsewhere)
    listing = admin_client.get(f"/en/admin/kiosks/kioskdevice/?kiosk__id__exact={kiosk.pk}").content.decode()
    assert str(kept_device) in listing and str(device) in listing and str(elsewhere_device) not in listing
    admin_client.post(
        "/en/admin/kiosks/kioskdevice/", {"action": "revoke", "_selected_action": [device.pk]}, follow=True
    )
    assert_not_in_service(revoked.get(start_url(kiosk)), kiosk)
    assert kept.get(start_url(kiosk)).status_code == 200
    assert admin_client.get(f"/en/admin/kiosks/kiosk/{kiosk.pk}/change/").status_code == 200


def test_the_enrol_command_prints_a_url_that_enrols(kiosk):
    out = StringIO()
    call_command("kiosks", "enrol", kiosk.code, stdout=out)
    url = re.search(r"(http\S+/enrol/\?code=(\S+))", out.getvalue())
    assert url is not None, out.getvalue()
    screen = Client()
    path = url.group(1).removeprefix(settings.SITE_URL).split("?")[0]
    assert screen.post(path, {"code": url.group(2)}).status_code == 302
    assert screen.get(start_url(kiosk)).status_code == 200


def test_the_demo_enrols_no_screen_and_prints_how_to(client):
    out = StringIO()
    call_command("demo_kiosks", stdout=out)
    assert not KioskDevice.objects.exists()
    assert_not_in_service(client.get("/en/kiosk/bru-airport/"), Kiosk.objects.get(code="bru-airport"))
    codes = re.findall(r"/kiosk/([\w-]+)/enrol/\?code=(\S+)", out.getvalue())
    assert sorted(code for code, _ in codes) == ["bru-airport", "gent-sint-pieters"]
    kiosk_code, plain = codes[0]
    assert client.post(f"/en/kiosk/{kiosk_code}/enrol/", {"code": plain}).status_code == 302
    assert client.get(f"/en/kiosk/{kiosk_code}/").status_code == 200
