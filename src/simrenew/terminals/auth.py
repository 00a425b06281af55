"""HMAC request signing for terminals, as a Django Ninja auth class.

Use it on a router or an operation; `request.auth` is then the calling `Terminal`::

    from simrenew.terminals.auth import TerminalSignature
    from simrenew.terminals.models import TerminalKind

    router = Router(tags=["kiosk"], auth=TerminalSignature(TerminalKind.KIOSK))

How to sign is in `terminals.signing` (shared by servers and clients). A request that is unsigned,
wrongly signed (tampered), stale (X-Timestamp more than TERMINAL_MAX_SKEW_SECONDS away), replayed
(nonce seen before) or from an unknown, inactive or other-kind terminal is refused with 401 and
`{"code": "terminal_auth_refused", "detail": …}`; the refusal writes one audit line
(`terminal.auth_refused`, committed even though nothing else is) and nothing else. The nonce of an
accepted request is stored (a unique constraint) before the operation runs: at once, or, for a call
that takes money, first thing in the call's own transaction (`PendingNonce`), so that the call
commits once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja.security import APIKeyHeader

from simrenew.audit import service as audit
from simrenew.kit import clock
from simrenew.kit.codes import constant_time_equal
from simrenew.kit.parse import is_ascii_digits
from simrenew.reference import cache as reference
from simrenew.terminals import service, signing, sql
from simrenew.terminals.errors import TerminalAuthRefused
from simrenew.terminals.models import Terminal


class TerminalSignature(APIKeyHeader):
    """Accepts a request signed by an active terminal of one of `kinds` (see the module docstring)."""

    param_name = "X-Terminal-Id"
    openapi_description = (
        "HMAC-signed terminal request. Send X-Terminal-Id, X-Timestamp (Unix seconds), X-Nonce (16-64 of "
        "A-Z a-z 0-9 _ -, never reused) and X-Signature = hex HMAC-SHA256(secret, METHOD\\nPATH\\nQUERY\\n"
        "TIMESTAMP\\nNONCE\\nhex SHA-256(body)). Mutating calls also need an Idempotency-Key header."
    )

    def __init__(self, *kinds: str) -> None:
        self.kinds = set(kinds)
        super().__init__()

    def authenticate(self, request: HttpRequest, key: str | None) -> Terminal:
        return authenticate_request(request, kinds=self.kinds)


def _refuse(request: HttpRequest, key_id: str, reason: str) -> TerminalAuthRefused:
    audit.record(
        action="terminal.auth_refused",
        terminal=key_id,
        target=f"terminal:{key_id}" if key_id else "",
        ip_address=audit.client_ip(request),
        details={"reason": reason, "method": request.method or "", "path": request.path[:200]},
    )
    return TerminalAuthRefused()


def signature_refusal(
    request: HttpRequest, *, stamp: str, nonce: str, sent: str, secret: Callable[[], str]
) -> str | None:
    """Why a signed request is refused, in the order checked, or None when its signature holds (for
    terminals and the network's clients alike): "stale" (the timestamp is not Unix seconds within the
    allowed skew), "bad_nonce", "bad_signature". `secret` is asked for only once the cheap checks pass."""
    if (
        not is_ascii_digits(stamp)  # not str.isdigit(): '²' (a Latin-1 header byte) would crash int()
        or len(stamp) > 12
        or abs(clock.now().timestamp() - int(stamp)) > settings.TERMINAL_MAX_SKEW_SECONDS
    ):
        return "stale"
    if not signing.NONCE_PATTERN.match(nonce):
        return "bad_nonce"
    expected = signing.signature(
        secret=secret(),
        method=request.method or "",
        path=request.path,
        query=request.META.get("QUERY_STRING", ""),
        timestamp=stamp,
        nonce=nonce,
        body=request.body,
    )
    return None if constant_time_equal(expected, sent) else "bad_signature"


def authenticate_request(request: HttpRequest, *, kinds: set[str]) -> Terminal:
    headers = request.headers
    key_id = (headers.get("X-Terminal-Id") or "").strip()[:40]
    stamp = (headers.get("X-Timestamp") or "").strip()
    nonce = (headers.get("X-Nonce") or "").strip()
    sent = (headers.get("X-Signature") or "").strip().lower()
    if not (key_id and stamp and nonce and sent):
        raise _refuse(request, key_id, "missing_headers")
    # Terminals change in the back office only (a new one, a revoked one): kept per process.
    terminal = reference.cached(f"terminal:{key_id}", lambda: Terminal.objects.filter(key_id=key_id).first())
    if terminal is None:
        raise _refuse(request, key_id, "unknown_terminal")
    if not terminal.active:
        raise _refuse(request, key_id, "inactive_terminal")
    if kinds and terminal.kind not in kinds:
        raise _refuse(request, key_id, "wrong_terminal_kind")
    reason = signature_refusal(request, stamp=stamp, nonce=nonce, sent=sent, secret=lambda: service.secret_of(terminal))
    if reason:
        raise _refuse(request, key_id, reason)
    pending = PendingNonce(
        use=lambda: sql.use_nonce(terminal_id=terminal.pk, nonce=nonce, created_at=clock.now()),
        refuse=lambda: _refuse(request, key_id, "replayed"),
    )
    if request.method not in SAFE_METHODS and request.headers.get("Idempotency-Key"):
        # A call that takes money records its nonce in its own transaction (one commit per sale):
        # respond_once does, before anything else.
        defer_nonce(request, pending)
    elif not pending.record():
        raise pending.refuse()
    return terminal


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass
class PendingNonce:
    """An authenticated request's nonce, not yet recorded: `use` records it in the current transaction
    (or autocommit) and answers False when its sender used it before; `refuse` audits a replay and
    gives the refusal to raise (a terminal's or a network client's)."""

    use: Callable[[], bool]
    refuse: Callable[[], Exception]
    recorded: bool = False  # in the current transaction
    committed: bool = False  # and that transaction committed (a rollback takes the record back)
    used_before: bool = False  # found recorded already: a replay (refused, and nothing to record)

    def record(self) -> bool:
        """Record it (once per transaction); False if it was used before."""
        if self.recorded:
            return True
        self.recorded = self.use()
        if self.recorded:
            transaction.on_commit(self._committed)  # at once in autocommit
        else:
            self.used_before = True
        return self.recorded

    def _committed(self) -> None:
        self.committed = True


def defer_nonce(request: HttpRequest, pending: PendingNonce) -> None:
    """Leave the nonce of an authenticated request to its view, which records it first thing in its
    own transaction (record_pending_nonce); a call that ends before, or whose transaction is rolled
    back (a refusal), has it recorded after (RecordPendingNonce): a nonce is never used twice."""
    request.pending_nonce = pending  # type: ignore[attr-defined]


class NonceReplayed(Exception):
    """A deferred nonce turned out to be used: the call's transaction is rolled back, then refused."""


def record_pending_nonce(request: HttpRequest) -> None:
    """Inside the call's transaction: record the request's deferred nonce, or raise NonceReplayed."""
    pending: PendingNonce | None = getattr(request, "pending_nonce", None)
    if pending is not None and not pending.record():
        raise NonceReplayed()


def refuse_replayed(request: HttpRequest) -> Exception:
    """The refusal of a request whose deferred nonce was used before (audited)."""
    pending: PendingNonce | None = getattr(request, "pending_nonce", None)
    if pending is None:
        raise RuntimeError("no deferred nonce on this request")
    return pending.refuse()


class RecordPendingNonce:
    """Middleware: a signed mutating call whose nonce was not committed with its work (it never
    reached its transaction, or that was rolled back: a refused sale) still uses it up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        pending: PendingNonce | None = getattr(request, "pending_nonce", None)
        if pending is not None and not pending.committed and not pending.used_before:
            pending.recorded = False
            if not pending.record():
                pending.refuse()  # audited; what it asked for changed nothing
        return response


def terminal_of(request: HttpRequest) -> Terminal:
    """The authenticated terminal of a request that went through TerminalSignature."""
    terminal: Any = getattr(request, "auth", None)
    if not isinstance(terminal, Terminal):
        raise TerminalAuthRefused()
    return terminal
