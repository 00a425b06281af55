"""Registering terminals and handing out, rotating and revoking their credentials."""

import secrets
from datetime import timedelta

from django.db.models import QuerySet

from simrenew.kit import clock
from simrenew.kit.codes import readable_code
from simrenew.reference import cache as reference
from simrenew.terminals import sealing
from simrenew.terminals.models import IdempotentCall, Terminal, UsedNonce


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def register_terminal(
    *, kind: str, name: str, key_id: str | None = None, secret: str | None = None
) -> tuple[Terminal, str]:
    """A new terminal and its secret. The secret is shown once (to print for the installer) and kept
    only sealed."""
    plain = secret or new_secret()
    while key_id is None:
        candidate = f"T-{readable_code(8)}"
        if not Terminal.objects.filter(key_id=candidate).exists():
            key_id = candidate
    terminal = Terminal.objects.create(key_id=key_id, kind=kind, name=name, secret_sealed=sealing.seal(plain))
    return terminal, plain


def rotate_secret(*, terminal: Terminal) -> str:
    """A new secret; the old one stops working at once."""
    plain = new_secret()
    Terminal.objects.filter(pk=terminal.pk).update(secret_sealed=sealing.seal(plain))
    terminal.secret_sealed = sealing.seal(plain)
    return plain


def set_active(*, terminal: Terminal, active: bool) -> None:
    Terminal.objects.filter(pk=terminal.pk).update(active=active)
    terminal.active = active


def secret_of(terminal: Terminal) -> str:
    return sealing.unseal(terminal.secret_sealed)


def reseal_all() -> int:
    """Re-encrypt every stored secret under the current key (after putting a new key first)."""
    count = 0
    for terminal in Terminal.objects.only("id", "secret_sealed").iterator():
        Terminal.objects.filter(pk=terminal.pk).update(secret_sealed=sealing.reseal(terminal.secret_sealed))
        count += 1
    reference.bump()  # processes keep sealed secrets: they reload the resealed ones
    return count


def prune(*, nonce_age_seconds: int, idempotency_days: int = 30) -> tuple[int, int]:
    """Forget nonces too old to be replayed (stale requests are refused anyway) and old stored answers."""
    now = clock.now()
    nonces, _ = UsedNonce.objects.filter(created_at__lt=now - timedelta(seconds=nonce_age_seconds)).delete()
    calls, _ = IdempotentCall.objects.filter(created_at__lt=now - timedelta(days=idempotency_days)).delete()
    return nonces, calls


def terminals_of_kind(kind: str) -> QuerySet[Terminal]:
    return Terminal.objects.filter(kind=kind, active=True)
