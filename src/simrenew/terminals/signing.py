"""How a terminal signs a request, for both sides: our API verifies, terminals (and tests, the
benchmark and the demo) sign. Pure functions with no Django in them, so a client can copy them.

    X-Terminal-Id: T-7KQ2MX9P
    X-Timestamp:   1767225600                  (Unix seconds; refused beyond ±5 minutes)
    X-Nonce:       4f1c0e9ab2d34c5e8f7a6b5c   (16-64 of A-Z a-z 0-9 _ -, never reused)
    X-Signature:   hex HMAC-SHA256(secret, canonical request)

    canonical request = METHOD \n PATH \n QUERY \n TIMESTAMP \n NONCE \n hex SHA-256(body)

PATH is the percent-decoded path (`/api/pos/lines/0470 12 34 56`), QUERY the query string exactly
as sent, without `?` (empty if none), and the body the exact bytes sent (empty for GET).
"""

import hashlib
import hmac
import re
import secrets
import time
from urllib.parse import unquote, urlsplit

NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def canonical_request(*, method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    body_hash = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, query, timestamp, nonce, body_hash]).encode()


def signature(*, secret: str, method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = canonical_request(method=method, path=path, query=query, timestamp=timestamp, nonce=nonce, body=body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    *,
    key_id: str,
    secret: str,
    method: str,
    url: str,
    body: bytes = b"",
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four authentication headers for a request to `url` (a path, with or without a query)."""
    parts = urlsplit(url)
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    once = nonce or secrets.token_hex(16)
    return {
        "X-Terminal-Id": key_id,
        "X-Timestamp": stamp,
        "X-Nonce": once,
        "X-Signature": signature(
            secret=secret,
            method=method,
            path=unquote(parts.path),
            query=parts.query,
            timestamp=stamp,
            nonce=once,
            body=body,
        ),
    }
