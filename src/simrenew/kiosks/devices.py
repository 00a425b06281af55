"""Kiosk screens: staff issue a one-time enrolment code, a screen uses it to become one of the
kiosk's enrolled screens, and is recognised afterwards by the credential in its cookie until
staff revoke it. Codes and credentials are stored only as keyed hashes. Callers own the
transaction; every step is audited."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from simrenew.audit import service as audit
from simrenew.customers.models import User
from simrenew.kiosks.errors import EnrolmentCodeExpired, EnrolmentCodeUnknown, EnrolmentCodeUsed
from simrenew.kiosks.models import EnrolmentCode, Kiosk, KioskDevice
from simrenew.kit.codes import READABLE_ALPHABET, keyed_hash, readable_code

CODE_PURPOSE = "kiosk-enrolment-code"
CREDENTIAL_PURPOSE = "kiosk-screen-credential"
# 31^10 ≈ 8·10^14 codes, each valid for minutes: guessing one is out of reach without a throttle.
CODE_LENGTH = 10
# last_seen_at (and the screen's cookie) are refreshed at most this often.
SEEN_EVERY = timedelta(days=1)


def _now() -> datetime:
    # Real time, not kit.clock: a code's few minutes are a security window, and a code printed by
    # `make demo` must not be born expired because the demo clock was moved days ahead.
    return timezone.now()


def _target(kiosk: Kiosk) -> str:
    return f"kiosk:{kiosk.code}"


def _code_hash(code: str) -> str:
    # Typed by people: case, spaces and dashes do not matter.
    cleaned = "".join(ch for ch in code.upper() if ch in READABLE_ALPHABET)
    return keyed_hash(cleaned, purpose=CODE_PURPOSE)


def credential_hash(credential: str) -> str:
    return keyed_hash(credential, purpose=CREDENTIAL_PURPOSE)


def issue_enrolment_code(*, kiosk: Kiosk, issued_by: User | None = None) -> tuple[EnrolmentCode, str]:
    """A new one-time code for `kiosk` and its plain text, to show once (e.g. `7KQ2M-X9PAB`)."""
    plain = readable_code(CODE_LENGTH)
    now = _now()
    code = EnrolmentCode.objects.create(
        kiosk=kiosk,
        code_hash=_code_hash(plain),
        issued_by=issued_by,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.KIOSK_ENROLMENT_CODE_MINUTES),
    )
    audit.record(action="kiosk.enrolment_code_issued", target=_target(kiosk), user=issued_by, details={"code": code.pk})
    return code, f"{plain[:5]}-{plain[5:]}"


def enrolment_url(kiosk: Kiosk, code: str) -> str:
    """The page where a screen types `code` to enrol (in the kiosk's language), with the code filled in."""
    with translation.override(kiosk.default_language):
        path = reverse("kiosk:enrol", kwargs={"kiosk": kiosk.code})
    return f"{settings.SITE_URL}{path}?code={code}"


def enrol(
    *, kiosk: Kiosk, code: str, label: str = "", ip_address: str | None = None, replaces: KioskDevice | None = None
) -> tuple[KioskDevice, str]:
    """Use an enrolment code: a new screen of `kiosk`, and the credential for its cookie (never
    stored). An unknown code (or another kiosk's), a used one or an expired one is refused and
    changes nothing. `replaces`: the screen this browser was before, which is revoked."""
    found = EnrolmentCode.objects.select_for_update().filter(kiosk=kiosk, code_hash=_code_hash(code)).first()
    now = _now()
    if found is None:
        raise EnrolmentCodeUnknown()
    if found.used_at is not None:
        raise EnrolmentCodeUsed()
    if found.expires_at <= now:
        raise EnrolmentCodeExpired()
    credential = secrets.token_urlsafe(32)
    device = KioskDevice.objects.create(
        kiosk=kiosk,
        credential_hash=credential_hash(credential),
        label=label[:200],
        enrolled_from=ip_address,
        enrolled_at=now,
        last_seen_at=now,
    )
    found.used_at, found.device = now, device
    found.save(update_fields=["used_at", "device"])
    if replaces is not None:
        revoke(devices=KioskDevice.objects.filter(pk=replaces.pk))
    audit.record(
        action="kiosk.screen_enrolled",
        target=_target(kiosk),
        ip_address=ip_address,
        details={"screen": device.pk, "code": found.pk},
    )
    return device, credential


def screen_for(credential: str) -> KioskDevice | None:
    """The enrolled screen holding `credential`, if it is in service and its kiosk active."""
    return (
        KioskDevice.objects.select_related("kiosk")
        .filter(credential_hash=credential_hash(credential), revoked_at__isnull=True, kiosk__active=True)
        .first()
    )


def seen(*, device: KioskDevice) -> bool:
    """Note that the screen is in use, at most once per SEEN_EVERY; True when it was noted (the
    caller then renews the screen's cookie)."""
    now = _now()
    if device.last_seen_at is not None and now - device.last_seen_at < SEEN_EVERY:
        return False
    KioskDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
    device.last_seen_at = now
    return True


def revoke(*, devices: QuerySet[KioskDevice], by: User | None = None) -> int:
    """Take screens out of service: their next request shows the neutral page. Returns how many."""
    now = _now()
    revoked = 0
    for device in devices.filter(revoked_at__isnull=True).select_related("kiosk"):
        revoked += KioskDevice.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=now)
        audit.record(
            action="kiosk.screen_revoked", target=_target(device.kiosk), user=by, details={"screen": device.pk}
        )
    return revoked
