"""Exactly once for every call and form that takes money: a key per operation is stored with a
unique constraint together with the answer, so that a replay — concurrent or later — gets the
first answer and the work is done once, and the same key with another request is refused.

One mechanism (`once`), two doors onto it:

* The terminal API: `respond_once` with the `Idempotency-Key` header, inside an operation
  authenticated by `terminals.auth.TerminalSignature`::

      @router.post("/sales", response={201: SaleOut, 409: ErrorOut, ...})
      def sell(request, data: SaleIn, idempotency_key: str = IDEMPOTENCY_KEY):
          return respond_once(request, key=idempotency_key, status=201, run=lambda: SaleOut(...))

  `run` returns the answer (a pydantic/Ninja schema instance or a JSON-able dict). A replay answers
  with the stored status and body, byte for byte, plus the header `Idempotent-Replayed: true`; the
  same key with another method, path or body gets 409. The key belongs to the terminal: two
  terminals may use the same key.

* Staff and kiosk pages: `submit_once` with a one-time form key. The confirm step renders a hidden
  field `form_key` holding `new_form_key()`; the view that takes the money wraps its work::

      return submit_once(request, scope=f"user:{user.pk}", run=lambda: Done(url=receipt_url(sell())))

  The first submission does the work and shows its result; every other submission with that key
  (a double click, a reload, five at once) is redirected to the same result. The key belongs to the
  user or the kiosk screen (`scope`) and is bound to the form's fields: another body with the same
  key is refused (FormKeyReused).

How the work runs:

* By default in the key's transaction: the key row is inserted first (`terminals.sql`: INSERT … ON
  CONFLICT DO NOTHING), then `run` does the work, then the answer is stored, all in one
  transaction. A concurrent call with the same key waits on the unique index until this one ends,
  then replays its answer. A DomainError rolls everything back
  and leaves the key free, so the caller may retry once the cause is fixed (e.g. after the float is
  topped up).
* With `claim_first=True`, for work that must not sit inside a transaction (a card charge on a
  payment terminal; a voucher redemption whose wrong PIN must stay counted): the key is committed
  as pending, `run` does the work (owning its transactions), then the answer is stored. A concurrent
  call waits (up to CLAIM_WAIT_SECONDS) for the answer and replays it. A DomainError (a declined
  card: nothing was done) frees the key; anything else leaves it pending — the money may have been
  taken, so the work never runs again under that key (StillInProgress).

Answers are stored sealed (they may hold an e-voucher PIN, or a receipt's verification code).
"""

import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from ninja import Header
from pydantic import BaseModel

from simrenew.kit import clock
from simrenew.kit.collector import collector_held_off
from simrenew.kit.errors import DomainError
from simrenew.terminals import sealing, sql
from simrenew.terminals.auth import NonceReplayed, record_pending_nonce, refuse_replayed, terminal_of
from simrenew.terminals.errors import (
    FormKeyMissing,
    FormKeyReused,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    StillInProgress,
)
from simrenew.terminals.models import IdempotentCall, Terminal

IDEMPOTENCY_KEY: Any = Header(
    ...,
    alias="Idempotency-Key",
    min_length=1,
    max_length=100,
    description="A new unique key per operation (e.g. a UUID). A retry sends the same key and body.",
)
# The status of a key whose work is still under way (claim_first); never an HTTP status.
PENDING = 0
# How long a call waits for the answer of a concurrent call with the same key (claim_first work
# such as a card charge, where the customer may still be typing their PIN).
CLAIM_WAIT_SECONDS = 60.0
POLL_SECONDS = 0.1

FORM_KEY = "form_key"
_FORM_KEY_PATTERN = re.compile(r"[0-9a-f]{32}")
# Not part of what a form asks for: the CSRF token changes with the login, the key is the key.
_NOT_FORM_CONTENT = {FORM_KEY, "csrfmiddlewaretoken"}


@dataclass(frozen=True)
class Answer:
    status: int
    body: str  # the API's JSON body; a page's URL to redirect to


@dataclass(frozen=True)
class Outcome[R]:
    answer: Answer
    result: R | None  # what `run` returned (None on a replay)
    replayed: bool


# --- The mechanism ---------------------------------------------------------------------------------


def _find(scope: str, key: str) -> IdempotentCall | None:
    return IdempotentCall.objects.filter(scope=scope, key=key).first()


def _stored_answer(call: IdempotentCall, fingerprint: str, refused: type[DomainError]) -> Answer | None:
    """The answer stored under the key; None while its work is under way."""
    if call.request_hash != fingerprint:
        raise refused()
    if call.status_code == PENDING:
        return None
    return Answer(call.status_code, sealing.unseal(call.body_sealed))


@dataclass(frozen=True)
class _Claim:
    scope: str
    key: str
    fingerprint: str
    terminal: Terminal | None
    # Runs first in the key's transaction (a terminal call records its request nonce there).
    before: Callable[[], None] | None = None

    def take(self) -> int | None:
        """The pending row's id, or None if the key is taken (on PostgreSQL, after waiting for an
        open transaction that holds it to end)."""
        if self.before is not None:
            self.before()
        return sql.claim_key(
            scope=self.scope,
            key=self.key,
            terminal_id=self.terminal.pk if self.terminal else None,
            request_hash=self.fingerprint,
            status_code=PENDING,
            created_at=clock.now(),
        )


def _store(call_id: int, answer: Answer) -> None:
    sql.store_answer(call_id=call_id, status_code=answer.status, body_sealed=sealing.seal(answer.body))


def _run_in_transaction[R](claim: _Claim, run: Callable[[], tuple[R, Answer]]) -> Outcome[R] | None:
    # The work holds row locks (a line, a retailer's float) until the commit: no collector's pause
    # inside it to hold up everyone waiting for them (kit.collector).
    with collector_held_off(), transaction.atomic():
        call_id = claim.take()
        if call_id is None:
            return None
        result, answer = run()
        _store(call_id, answer)
    return Outcome(answer, result, replayed=False)


def _run_claimed_first[R](claim: _Claim, run: Callable[[], tuple[R, Answer]]) -> Outcome[R] | None:
    with transaction.atomic(durable=True):  # committed at once: concurrent callers must see the claim
        call_id = claim.take()
    if call_id is None:
        return None
    try:
        result, answer = run()
    except DomainError:
        # Refused before anything was done (a declined card is not charged): the key is free again.
        IdempotentCall.objects.filter(pk=call_id).delete()
        raise
    _store(call_id, answer)
    return Outcome(answer, result, replayed=False)


def once[R](
    *,
    scope: str,
    key: str,
    fingerprint: str,
    run: Callable[[], tuple[R, Answer]],
    refused: type[DomainError] = IdempotencyKeyReused,
    terminal: Terminal | None = None,
    claim_first: bool = False,
    before: Callable[[], None] | None = None,
) -> Outcome[R]:
    """Run `run` once for `scope` and `key` and keep its answer; see the module docstring. `run`
    returns what the caller needs now and the answer to store for replays. The key is taken first
    (no look-up before): a new key costs one INSERT, a taken one an INSERT that does nothing and
    the read of its answer."""
    claim = _Claim(scope=scope, key=key, fingerprint=fingerprint, terminal=terminal, before=before)
    deadline = time.monotonic() + CLAIM_WAIT_SECONDS
    while True:
        outcome = _run_claimed_first(claim, run) if claim_first else _run_in_transaction(claim, run)
        if outcome is not None:
            return outcome
        call = _find(scope, key)
        if call is not None:
            answer = _stored_answer(call, fingerprint, refused)
            if answer is not None:
                return Outcome(answer, None, replayed=True)
        # Under way elsewhere (claimed first), or freed by a refusal meanwhile: try again shortly.
        if time.monotonic() >= deadline:
            raise StillInProgress()
        time.sleep(POLL_SECONDS)


# --- The terminal API ------------------------------------------------------------------------------


def request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


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

    def answered() -> tuple[None, Answer]:
        return None, Answer(status, _as_json(run()))

    try:
        outcome = once(
            scope=f"terminal:{terminal.pk}",
            key=key,
            fingerprint=request_hash(request),
            run=answered,
            terminal=terminal,
            # The request's nonce is recorded in the same transaction as the sale: one commit.
            before=lambda: record_pending_nonce(request),
        )
    except NonceReplayed:
        raise refuse_replayed(request) from None
    response = HttpResponse(outcome.answer.body, status=outcome.answer.status, content_type="application/json")
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


# --- Pages -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """What a form's work produced: the page where its result is (a receipt), shown now and to every
    replay, and optionally what to show now instead of redirecting (a PIN printed only once)."""

    url: str
    response: HttpResponse | None = None


def new_form_key() -> str:
    """A one-time key for a confirm form, rendered in its hidden `form_key` field."""
    return uuid.uuid4().hex


def form_fingerprint(request: HttpRequest) -> str:
    """sha256 of the page and the form's fields: what the key is bound to."""
    digest = hashlib.sha256(request.path.encode() + b"\n")
    for name in sorted(set(request.POST) - _NOT_FORM_CONTENT):
        for value in request.POST.getlist(name):
            digest.update(json.dumps([name, value]).encode() + b"\n")
    return digest.hexdigest()


def submit_once(
    request: HttpRequest, *, scope: str, run: Callable[[], Done], claim_first: bool = False
) -> HttpResponse:
    """Do a confirm form's work once for its `form_key` (see the module docstring). DomainErrors from
    `run` propagate, as do FormKeyMissing (no or a malformed key) and FormKeyReused."""
    key = request.POST.get(FORM_KEY, "")
    if not _FORM_KEY_PATTERN.fullmatch(key):
        raise FormKeyMissing()

    def done() -> tuple[Done, Answer]:
        result = run()
        return result, Answer(302, result.url)

    outcome = once(
        scope=scope,
        key=key,
        fingerprint=form_fingerprint(request),
        run=done,
        refused=FormKeyReused,
        claim_first=claim_first,
    )
    if outcome.result is not None and outcome.result.response is not None:
        return outcome.result.response
    return HttpResponseRedirect(outcome.answer.body)
