"""The id of the request being handled, for every log line written while handling it.

simrenew.web.middleware.RequestIdMiddleware binds it (the proxy's X-Request-ID, or a new one) when a
request comes in and unbinds it when Django has finished with the request: after Django's own request
log line (written outside every middleware) and after gunicorn's access line. RequestIdFilter copies
it onto log records, "-" outside a request.
"""

import logging
import re
import uuid
from contextvars import ContextVar

from simrenew.kit.logredact import redact

HEADER = "X-Request-ID"
NONE = "-"
# An id from the proxy or the client is kept only if it looks like one and holds nothing the log
# redaction would hide (a phone number, a long run of digits): it goes into every log line as it is.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{8,64}")
_current: ContextVar[str] = ContextVar("request_id", default=NONE)


def accept_or_make(candidate: str | None) -> str:
    """The caller's id when it is a plausible one, else a fresh random id."""
    if candidate and _ACCEPTABLE.fullmatch(candidate) and redact(candidate) == candidate:
        return candidate
    return uuid.uuid4().hex


def current() -> str:
    return _current.get()


def bind(request_id: str) -> None:
    """The id for what this thread logs from now on (until `unbind`)."""
    _current.set(request_id)


def unbind(**kwargs: object) -> None:
    """Back to no id; takes the keyword arguments of Django's request_finished signal."""
    _current.set(NONE)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record that has none yet (gunicorn's access lines bring their own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current()
        return True
