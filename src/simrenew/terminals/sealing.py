"""Symmetric encryption (Fernet) for secrets we must be able to read back: terminal HMAC secrets
and stored idempotent answers. Keys come from settings.TERMINAL_SECRET_KEYS; the first encrypts,
all decrypt (rotation)."""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _keys() -> list[str]:
    keys = list(settings.TERMINAL_SECRET_KEYS)
    if not keys:
        derived = hashlib.sha256(f"simrenew:terminal-secrets:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return keys


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def seal(plain: str) -> str:
    return _fernet(tuple(_keys())).encrypt(plain.encode()).decode()


def unseal(token: str) -> str:
    """The plain text; ValueError if no configured key opens it (a key was dropped too early)."""
    try:
        return _fernet(tuple(_keys())).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("no configured TERMINAL_SECRET_KEYS key opens this value") from exc


def reseal(token: str) -> str:
    """The same plain text under the first (current) key."""
    return _fernet(tuple(_keys())).rotate(token.encode()).decode()
