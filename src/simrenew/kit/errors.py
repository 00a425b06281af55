"""The one base class for expected failures: an HTTP status plus a message in the user's language."""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """An expected failure. Views and APIs show `message` with `status`; nothing expected is a 500."""

    status: int = 400
    code: str = "invalid"
    default_message: Promise | str = _("The request could not be completed.")

    def __init__(self, message: Promise | str | None = None, *, field: str | None = None, **params: Any):
        self.message = message if message is not None else self.default_message
        self.field = field
        self.params = params
        super().__init__(str(self.message))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state; please reload and try again.")


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"
    default_message = _("Too many attempts. Please wait and try again later.")
