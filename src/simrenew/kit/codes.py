"""Random and keyed codes: one-time SMS codes, receipt verification codes, readable ids."""

import hashlib
import hmac
import secrets

from django.conf import settings

# No 0/O, 1/I/L: people read these codes off paper and type them in.
READABLE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def one_time_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def readable_code(length: int) -> str:
    return "".join(secrets.choice(READABLE_ALPHABET) for _ in range(length))


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of `value` under a key derived from SECRET_KEY for one purpose."""
    key = hashlib.sha256(f"simrenew:{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def constant_time_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())
