"""HMAC-signed requests from network clients, as a Django Ninja auth class: the terminals' scheme
(terminals.signing), with the client's key id in X-Client-Id. `request.auth` is the NetworkClient.

    X-Client-Id, X-Timestamp (Unix seconds, ±TERMINAL_MAX_SKEW_SECONDS), X-Nonce (never reused),
    X-Signature = hex HMAC-SHA256(secret, METHOD\\nPATH\\nQUERY\\nTIMESTAMP\\nNONCE\\nhex SHA-256(body))

A refused request (unsigned, tampered, stale, replayed, unknown or inactive client) gets 401 and one
audit line (`charging.auth_refused`). The nonce is recorded in the decision's own transaction, before
anything else it does (a replay is refused there, and its transaction rolled back). In production the
network's clients also present a client certificate (mTLS at the proxy); the signature still names
which client asks.
"""

from django.http import HttpRequest
from ninja.security import APIKeyHeader

from simrenew.audit import service as audit
from simrenew.charging import clients
from simrenew.charging.errors import NetworkAuthRefused
from simrenew.charging.models import NetworkClient
from simrenew.reference import cache as reference
from simrenew.terminals import signing
from simrenew.terminals.auth import PendingNonce, defer_nonce, signature_refusal

CLIENT_HEADER = "X-Client-Id"


class NetworkSignature(APIKeyHeader):
    param_name = CLIENT_HEADER
    openapi_description = (
        "HMAC-signed request of a network client. Send X-Client-Id, X-Timestamp (Unix seconds), X-Nonce (16-64 of "
        "A-Z a-z 0-9 _ -, never reused) and X-Signature = hex HMAC-SHA256(secret, METHOD\\nPATH\\nQUERY\\n"
        "TIMESTAMP\\nNONCE\\nhex SHA-256(body)), as terminals sign. Production adds mTLS at the proxy."
    )

    def authenticate(self, request: HttpRequest, key: str | None) -> NetworkClient:
        return authenticate_request(request)


def _refuse(request: HttpRequest, key_id: str, reason: str) -> NetworkAuthRefused:
    audit.record(
        action="charging.auth_refused",
        terminal=key_id,
        target=f"network-client:{key_id}" if key_id else "",
        ip_address=audit.client_ip(request),
        details={"reason": reason, "method": request.method or "", "path": request.path[:200]},
    )
    return NetworkAuthRefused()


def authenticate_request(request: HttpRequest) -> NetworkClient:
    headers = request.headers
    key_id = (headers.get(CLIENT_HEADER) or "").strip()[:40]
    stamp = (headers.get("X-Timestamp") or "").strip()
    nonce = (headers.get("X-Nonce") or "").strip()
    sent = (headers.get("X-Signature") or "").strip().lower()
    if not (key_id and stamp and nonce and sent):
        raise _refuse(request, key_id, "missing_headers")
    client = reference.cached(f"network-client:{key_id}", lambda: NetworkClient.objects.filter(key_id=key_id).first())
    if client is None or not client.active:
        raise _refuse(request, key_id, "unknown_client" if client is None else "inactive_client")
    reason = signature_refusal(request, stamp=stamp, nonce=nonce, sent=sent, secret=lambda: clients.secret_of(client))
    if reason:
        raise _refuse(request, key_id, reason)
    # Every charging call records its nonce first thing in the decision's transaction (one commit a
    # decision): the API's views do (record_pending_nonce); RecordPendingNonce when they did not get so far.
    defer_nonce(
        request,
        PendingNonce(
            use=lambda: clients.use_nonce(client_id=client.pk, nonce=nonce),
            refuse=lambda: _refuse(request, key_id, "replayed"),
        ),
    )
    return client


def signed_headers(*, key_id: str, secret: str, method: str, url: str, body: bytes = b"") -> dict[str, str]:
    """The headers a network client sends (for clients, tests, the simulator and the benchmark)."""
    headers = signing.signed_headers(key_id=key_id, secret=secret, method=method, url=url, body=body)
    headers[CLIENT_HEADER] = headers.pop("X-Terminal-Id")
    return headers
