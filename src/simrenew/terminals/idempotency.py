"""Idempotency-Key for mutating terminal calls: a replay gets the identical answer, the same key with
another request gets 409, and concurrent calls with one key do the work once.

Use it inside an operation authenticated by `terminals.auth.TerminalSignature`::

    from ninja import Header
    from simrenew.terminals.idempotency import IDEMPOTENCY_KEY, respond_once

    @router.post("/sales", response={201: SaleOut, 409: ErrorOut, ...})
    def sell(request, data: SaleIn, idempotency_key: str = IDEMPOTENCY_KEY):
        return respond_once(request, key=idempotency_key, status=201, run=lambda: SaleOut(...))

`run` does the work and returns the answer (a pydantic/Ninja schema instance or a JSON-able dict);
it runs inside one transaction together with the stored answer. Only a successful answer is stored:
a DomainError rolls everything back, answers as usual, and leaves the key free, so the terminal may
retry once the cause is fixed (e.g. after the float is topped up). A replay answers with the stored
status and body, byte for byte, plus the header `Idempotent-Replayed: true`. Bodies are stored sealed
(they may hold an e-voucher PIN). The key belongs to the terminal: two terminals may use the same key.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Header
from pydantic import BaseModel

from simrenew.kit import clock
from simrenew.terminals import sealing
from simrenew.terminals.auth import terminal_of
from simrenew.terminals.errors import IdempotencyKeyMissing, IdempotencyKeyReused
from simrenew.terminals.models import IdempotentCall

IDEMPOTENCY_KEY: Any = Header(
    ...,
    alias="Idempotency-Key",
    min_length=1,
    max_length=100,
    description="A new unique key per operation (e.g. a UUID). A retry sends the same key and body.",
)


def request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(call: IdempotentCall, fingerprint: str) -> HttpResponse:
    if call.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    response = HttpResponse(sealing.unseal(call.body_sealed), status=call.status_code, content_type="application/json")
    response["Idempotent-Replayed"] = "true"
    return response


def _as_json(result: Any) -> str:
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json", by_alias=True)
    return json.dumps(result, ensure_ascii=False, separators=(",", ":"))


def respond_once(request: HttpRequest, *, key: str | None, run: Callable[[], Any], status: int = 200) -> HttpResponse:
    """Run `run` once for this terminal and key; see the module docstring."""
    terminal = terminal_of(request)
    key = (key or "").strip()
    if not key:
        raise IdempotencyKeyMissing()
    fingerprint = request_hash(request)
    stored = IdempotentCall.objects.filter(terminal=terminal, key=key).first()
    if stored is not None:
        return _replay(stored, fingerprint)
    body: str | None = None
    with transaction.atomic():
        try:
            # Taken first: a concurrent call with the same key waits here for this one to finish,
            # then finds the key taken and replays this answer instead of doing the work again.
            with transaction.atomic():
                call = IdempotentCall.objects.create(
                    terminal=terminal,
                    key=key,
                    request_hash=fingerprint,
                    status_code=status,
                    body_sealed="",
                    created_at=clock.now(),
                )
        except IntegrityError:
            call = None
        if call is not None:
            body = _as_json(run())
            IdempotentCall.objects.filter(pk=call.pk).update(body_sealed=sealing.seal(body))
    if body is None:
        return _replay(IdempotentCall.objects.get(terminal=terminal, key=key), fingerprint)
    return HttpResponse(body, status=status, content_type="application/json")
