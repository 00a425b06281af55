"""The staff second factor: an authenticator app (TOTP, django-otp) and one-time recovery codes.

A login enrols once: an unconfirmed TOTP device is made, its secret shown (QR code and text), and
the first right code confirms it and issues ten recovery codes (a django-otp static device; each
works once). Wrong codes slow the device down (django-otp's throttling doubles the wait after each
failure). Every enrolment, verification and refusal is audited. Callers own the transaction; a
wrong code is returned as None (not raised) so that the throttle and the audit line still commit.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from simrenew.audit import service as audit
from simrenew.staff.errors import AlreadyEnrolled, TooManyWrongCodes

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
TOTP_CODE = re.compile(r"[0-9]{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")  # StaticToken.random_token(): base32 of 5 random bytes


@dataclass(frozen=True)
class Enrolment:
    authenticator: TOTPDevice
    recovery_codes: list[str]  # shown to the person once, never again


def has_authenticator(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(*, user: Any) -> TOTPDevice:
    """The authenticator being enrolled, made on first call and kept until confirmed (so a reload
    shows the secret the app already has). AlreadyEnrolled once the login has a confirmed one."""
    if has_authenticator(user):
        raise AlreadyEnrolled()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def normalise(code: str) -> str:
    """What a person types: spaces and dashes dropped, letters in lower case."""
    return re.sub(r"[\s-]", "", code).lower()


def _check_throttle(devices: list[Device]) -> None:
    for device in devices:
        allowed, details = device.verify_is_allowed()
        if not allowed and details and details.get("locked_until"):
            # django-otp's throttle runs on the real clock (timezone.now), not the demo clock.
            wait = max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1)
            raise TooManyWrongCodes(seconds=wait)


def _record(user: Any, action: str, ip_address: str | None, **details: object) -> None:
    audit.record(action=action, target=f"user:{user.pk}", user=user, ip_address=ip_address, details=details)


def _well_formed(code: str) -> bool:
    return bool(TOTP_CODE.fullmatch(code) or RECOVERY_CODE.fullmatch(code))


def _try(device: Device, code: str) -> bool:
    """Whether the device accepts the code; a wrong or malformed code counts against its throttle."""
    if _well_formed(code):
        return bool(device.verify_token(code))  # counts a wrong code itself
    device.throttle_increment()
    return False


def confirm_authenticator(*, user: Any, code: str, ip_address: str | None) -> Enrolment | None:
    """Confirm the pending authenticator with its first code and issue recovery codes; None for a
    wrong code. TooManyWrongCodes while the device is throttled."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        if has_authenticator(user):
            raise AlreadyEnrolled()
        return None  # nothing pending: the enrolment page makes a device first
    _check_throttle([device])
    if not _try(device, normalise(code)):
        _record(user, "staff.second_factor_refused", ip_address, step="enrol")
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    _record(user, "staff.second_factor_enrolled", ip_address, device=device.persistent_id)
    return Enrolment(device, renew_recovery_codes(user=user, ip_address=ip_address))


def verify(*, user: Any, code: str, ip_address: str | None) -> Device | None:
    """The device that accepts this code (a current authenticator code, or an unused recovery code,
    which is then spent), or None. TooManyWrongCodes while throttled; nothing is tried then."""
    code = normalise(code)
    recovery = RECOVERY_CODE.fullmatch(code) is not None
    model: type[Device] = StaticDevice if recovery else TOTPDevice
    devices = list(model.objects.select_for_update().filter(user=user, confirmed=True))
    _check_throttle(devices)
    for device in devices:
        if _try(device, code):
            if recovery:
                _record(user, "staff.recovery_code_used", ip_address, left=recovery_codes_left(user))
            else:
                _record(user, "staff.second_factor_verified", ip_address, device=device.persistent_id)
            return device
    _record(user, "staff.second_factor_refused", ip_address, step="verify")
    return None


def renew_recovery_codes(*, user: Any, ip_address: str | None) -> list[str]:
    """Ten new recovery codes; the old ones stop working. Returned once, for the person to keep."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    _record(user, "staff.recovery_codes_issued", ip_address, count=len(codes))
    return codes


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
