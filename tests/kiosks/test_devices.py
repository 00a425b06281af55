"""Kiosk screens: one-time enrolment codes stored as hashes, refused when unknown, used or expired
(changing nothing), screens recognised by their credential until revoked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from simrenew.audit.models import AuditEntry
from simrenew.kiosks import devices
from simrenew.kiosks.errors import EnrolmentCodeExpired, EnrolmentCodeUnknown, EnrolmentCodeUsed
from simrenew.kiosks.models import EnrolmentCode, KioskDevice
from tests.kiosks.factories import create_kiosk

pytestmark = pytest.mark.django_db


def state() -> tuple:
    return (
        tuple(EnrolmentCode.objects.order_by("pk").values_list("used_at", "device_id")),
        tuple(KioskDevice.objects.order_by("pk").values_list("pk", "revoked_at")),
    )


def test_a_code_is_shown_once_and_stored_only_as_a_hash(settings):
    kiosk = create_kiosk()
    _code, plain = devices.issue_enrolment_code(kiosk=kiosk)
    assert len(plain) == 11 and plain[5] == "-"
    stored = EnrolmentCode.objects.get()
    assert plain.replace("-", "") not in stored.code_hash and plain not in stored.code_hash
    assert stored.expires_at - stored.created_at == timedelta(minutes=settings.KIOSK_ENROLMENT_CODE_MINUTES)
    assert AuditEntry.objects.filter(action="kiosk.enrolment_code_issued", target=f"kiosk:{kiosk.code}").exists()


def test_a_code_enrols_one_screen_whose_credential_is_stored_only_as_a_hash():
    kiosk = create_kiosk()
    _code, plain = devices.issue_enrolment_code(kiosk=kiosk)
    device, credential = devices.enrol(kiosk=kiosk, code=plain.lower().replace("-", " "), ip_address="10.0.0.7")
    assert devices.screen_for(credential) == device
    assert credential not in device.credential_hash
    assert (device.kiosk, device.enrolled_from) == (kiosk, "10.0.0.7")
    assert EnrolmentCode.objects.get().device == device


@pytest.mark.parametrize(
    ("case", "error"),
    [("unknown", EnrolmentCodeUnknown), ("other_kiosk", EnrolmentCodeUnknown), ("used", EnrolmentCodeUsed)],
)
def test_a_wrong_code_is_refused_and_changes_nothing(case, error):
    kiosk = create_kiosk()
    _code, plain = devices.issue_enrolment_code(kiosk=kiosk)
    target = kiosk
    if case == "unknown":
        plain = "ABCDE-FGHJK"
    elif case == "other_kiosk":
        target = create_kiosk()
    else:
        devices.enrol(kiosk=kiosk, code=plain)
    before = state()
    with pytest.raises(error):
        devices.enrol(kiosk=target, code=plain)
    assert state() == before


def test_an_expired_code_is_refused_and_changes_nothing(time_machine, settings):
    kiosk = create_kiosk()
    time_machine.move_to(timezone.now(), tick=False)
    _code, plain = devices.issue_enrolment_code(kiosk=kiosk)
    time_machine.shift(timedelta(minutes=settings.KIOSK_ENROLMENT_CODE_MINUTES))
    before = state()
    with pytest.raises(EnrolmentCodeExpired):
        devices.enrol(kiosk=kiosk, code=plain)
    assert state() == before


def test_a_revoked_screen_or_an_inactive_kiosk_is_not_recognised():
    kiosk = create_kiosk()
    device, credential = devices.enrol(kiosk=kiosk, code=devices.issue_enrolment_code(kiosk=kiosk)[1])
    other, other_credential = devices.enrol(kiosk=kiosk, code=devices.issue_enrolment_code(kiosk=kiosk)[1])
    assert devices.revoke(devices=KioskDevice.objects.filter(pk=device.pk)) == 1
    assert devices.revoke(devices=KioskDevice.objects.filter(pk=device.pk)) == 0  # already revoked
    assert devices.screen_for(credential) is None
    assert devices.screen_for(other_credential) == other  # several screens per kiosk, revoked one by one
    kiosk.active = False
    kiosk.save()
    assert devices.screen_for(other_credential) is None
    assert devices.screen_for("made-up") is None


def test_enrolling_again_revokes_the_screen_this_browser_was():
    kiosk = create_kiosk()
    before, _credential = devices.enrol(kiosk=kiosk, code=devices.issue_enrolment_code(kiosk=kiosk)[1])
    after, _credential = devices.enrol(kiosk=kiosk, code=devices.issue_enrolment_code(kiosk=kiosk)[1], replaces=before)
    assert KioskDevice.objects.get(pk=before.pk).revoked_at is not None
    assert KioskDevice.objects.get(pk=after.pk).revoked_at is None


def test_a_screen_is_noted_as_seen_at_most_once_a_day(time_machine):
    kiosk = create_kiosk()
    time_machine.move_to(timezone.now(), tick=False)
    device, _credential = devices.enrol(kiosk=kiosk, code=devices.issue_enrolment_code(kiosk=kiosk)[1])
    assert not devices.seen(device=device)
    time_machine.shift(devices.SEEN_EVERY)
    assert devices.seen(device=device)
    assert KioskDevice.objects.get(pk=device.pk).last_seen_at == timezone.now()
