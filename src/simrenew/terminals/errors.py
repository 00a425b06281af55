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


class FormKeyMissing(DomainError):
    code = "form_key_missing"
    default_message = _("This page is out of date. Go back, check the details and confirm again.")


class FormKeyReused(Conflict):
    code = "form_key_reused"
    default_message = _("This form was already sent with other details. Go back and start again.")


class StillInProgress(Conflict):
    code = "still_in_progress"
    default_message = _("This payment is still being processed. Wait a moment, then check it before trying again.")
