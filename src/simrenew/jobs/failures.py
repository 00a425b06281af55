"""Which failures are worth another try, and how long to wait before it.

Transient: the other side was unreachable, slow or overloaded (connection refused, timeouts, a 5xx
or 429, an SMTP 4xx), or the database lost the connection, hit a deadlock or a serialization
failure. Trying again later may pass. Permanent: everything else (a refusal, a bug, bad data):
trying again does the same thing, so the job goes straight to the dead-letter list for a person.
An exception can say for itself with a `transient` attribute (payments' ProviderError does).
"""

import random
import smtplib
import socket
from collections.abc import Iterator
from datetime import timedelta

from django.db import InterfaceError, OperationalError

try:  # requests is how the sandbox's webhooks and the Mollie client talk HTTP
    import requests
except ImportError:  # pragma: no cover - always installed with the Mollie client
    requests = None  # type: ignore[assignment]

DATABASE_GONE = (OperationalError, InterfaceError)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _transient_by_kind(exc: BaseException) -> bool:
    if isinstance(exc, DATABASE_GONE):
        return True  # lost connection, deadlock, serialization failure, "database is locked"
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    if requests is not None and isinstance(exc, requests.HTTPError) and exc.response is not None:
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    if requests is not None and isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return True
    return isinstance(exc, (ConnectionError, TimeoutError, socket.timeout, socket.gaierror))


def is_transient(exc: BaseException) -> bool:
    """True when trying the same job again later may succeed."""
    chain = list(_chain(exc))
    for link in chain:
        said = getattr(link, "transient", None)
        if said is not None:
            return bool(said)
    return any(_transient_by_kind(link) for link in chain)


def backoff(*, attempt: int, base: float, cap: float) -> timedelta:
    """Exponential backoff with jitter: about base·2^(attempt-1) seconds, at most `cap`.

    The wait is drawn between half and all of that, so jobs that failed together (a provider
    outage) do not all come back at the same moment.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))
