"""Field-level encryption of personal data at rest (Fernet: AES-128-CBC + HMAC-SHA256), with key rotation.

Keys come from settings.FIELD_ENCRYPTION_KEYS, newest first: values are encrypted with the
first key and decrypted with whichever key made them, so a new key is rolled out by putting
it in front, running `simrenew rotate_encryption_keys`, then dropping the old key.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionFailed(Exception):
    """A stored value that no configured key opens: a key was dropped too early, or the value was altered."""


def derive_key(passphrase: str) -> str:
    """A Fernet key (url-safe base64 of 32 bytes) derived from any secret string."""
    return base64.urlsafe_b64encode(hashlib.sha256(passphrase.encode()).digest()).decode()


class Keyring:
    """Fernet keys, newest first: encrypts with the first, decrypts with any (rotation)."""

    def __init__(self, keys: list[str] | tuple[str, ...], *, setting: str) -> None:
        if not keys:
            raise ImproperlyConfigured(f"{setting} is empty")
        fernets = [_as_fernet(key, setting) for key in keys]
        self._all = MultiFernet(fernets)
        self._current = fernets[0]

    def encrypt(self, plaintext: str) -> str:
        """Encrypt under the current (first) key. The same value encrypts differently each time."""
        return self._all.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._all.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise DecryptionFailed() from exc

    def is_current(self, token: str) -> bool:
        """Whether the value is encrypted under the current key (nothing to rotate)."""
        try:
            self._current.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        """The same value re-encrypted under the current key."""
        try:
            return self._all.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise DecryptionFailed() from exc


def _as_fernet(key: str, setting: str) -> Fernet:
    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"{setting} holds a value that is not a Fernet key (32 url-safe base64-encoded bytes); "
            "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from exc


@lru_cache(maxsize=8)
def keyring(keys: tuple[str, ...], setting: str) -> Keyring:
    """The keyring for these keys, built once."""
    return Keyring(keys, setting=setting)


def _fields() -> Keyring:
    return keyring(tuple(settings.FIELD_ENCRYPTION_KEYS), "FIELD_ENCRYPTION_KEYS")


def encrypt(plaintext: str) -> str:
    """Encrypt personal data under the current field key."""
    return _fields().encrypt(plaintext)


def decrypt(token: str) -> str:
    return _fields().decrypt(token)


def is_current(token: str) -> bool:
    return _fields().is_current(token)


def rotate(token: str) -> str:
    return _fields().rotate(token)


def lookup_hash(value: str, *, purpose: str) -> str:
    """A keyed hash (HMAC-SHA256) that finds equal values without storing them in clear.

    Keyed with FIELD_HASH_KEY, not with the encryption keys, so key rotation leaves the
    hashes valid.
    """
    key = hashlib.sha256(f"simrenew:lookup:{purpose}:{settings.FIELD_HASH_KEY}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask(value: str, *, visible: int = 3, mark: str = "•") -> str:
    """All but the last `visible` characters hidden: ••••••••789."""
    if len(value) <= visible:
        return mark * len(value)
    return mark * (len(value) - visible) + value[-visible:]
