from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import Conflict, DomainError


class TerminalAuthRefused(DomainError):
    """A request that is unsigned, wrongly signed, stale, replayed or from an unknown terminal."""

    status = 401
    code = "terminal_auth_refused"
    default_message = _("This request is not signed by a known terminal, or it was altered, late or replayed.")


class IdempotencyKeyMissing(DomainError):
    code = "idempotency_key_missing"
    default_message = _("This call changes something: send an Idempotency-Key header (one new key per operation).")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used for another request. Use a new key.")
