"""Encryption of secrets we must be able to read back: terminal HMAC secrets and stored
idempotent answers. Keys come from settings.TERMINAL_SECRET_KEYS (newest first; rotation as for
personal data, see kit.crypto); without any, one is derived from SECRET_KEY."""

from django.conf import settings

from simrenew.kit.crypto import DecryptionFailed, Keyring, derive_key, keyring


def _keyring() -> Keyring:
    keys = tuple(settings.TERMINAL_SECRET_KEYS) or (derive_key(f"simrenew:terminal-secrets:{settings.SECRET_KEY}"),)
    return keyring(keys, "TERMINAL_SECRET_KEYS")


def seal(plain: str) -> str:
    return _keyring().encrypt(plain)


def unseal(token: str) -> str:
    """The plain text; ValueError if no configured key opens it (a key was dropped too early)."""
    try:
        return _keyring().decrypt(token)
    except DecryptionFailed as exc:
        raise ValueError("no configured TERMINAL_SECRET_KEYS key opens this value") from exc


def reseal(token: str) -> str:
    """The same plain text under the first (current) key."""
    return _keyring().rotate(token)
