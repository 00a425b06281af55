"""The demo's authenticator key: published, like the demo passwords, and used by demo data only.

Every demo staff login that needs a second factor gets an authenticator app with this one key, so
a single entry in a phone's authenticator app (or `simrenew demo_codes`, which prints the current
code) opens them all. Real staff enrol their own app at their first login and never see a key twice.
"""

from base64 import b32encode
from typing import Any

from django_otp.oath import totp

KEY = b"simrenew-demo-key-26"  # 20 bytes, as django-otp's own keys
NAME = "Demo authenticator"


def key_base32() -> str:
    """The key as a person types it into an authenticator app (groups of four)."""
    text = b32encode(KEY).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def current_code() -> str:
    """What an authenticator app with the demo key shows now."""
    return f"{totp(KEY):06d}"


def give_demo_authenticator(user: Any) -> Any:
    """The login's authenticator is the demo one (idempotent; other devices of the login stay)."""
    # Imported here: the demo banner reads this module before Django is set up.
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.update_or_create(
        user=user, name=NAME, defaults={"key": KEY.hex(), "confirmed": True}
    )
    return device
