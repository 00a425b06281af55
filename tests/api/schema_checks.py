"""What the schemathesis tests of the terminal APIs share: a WSGI wrapper that signs each generated
request as a real terminal would, the checks, the bounded settings, and keeping the test's
connection open across in-process requests."""

import io
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import schemathesis
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from simrenew.terminals.signing import signature

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# A few examples per operation, reproducible, no shrinking: bounded time in CI.
BOUNDED = settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)

# path → (terminal key id, secret), or None to send the request unsigned.
Credentials = Callable[[str], tuple[str, str] | None]


class SigningApp:
    """Signs each request (X-Terminal-Id, X-Timestamp, X-Nonce, X-Signature) before Django sees it."""

    def __init__(self, app: Any, credentials: Credentials) -> None:
        self.app = app
        self.credentials = credentials

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        path = WSGIRequest({**environ, "wsgi.input": io.BytesIO(body)}).path
        found = self.credentials(path)
        if found is not None:
            key, secret = found
            stamp, nonce = str(int(time.time())), secrets.token_hex(16)
            environ["HTTP_X_TERMINAL_ID"] = key
            environ["HTTP_X_TIMESTAMP"] = stamp
            environ["HTTP_X_NONCE"] = nonce
            environ["HTTP_X_SIGNATURE"] = signature(
                secret=secret,
                method=environ["REQUEST_METHOD"],
                path=path,
                query=environ.get("QUERY_STRING", ""),
                timestamp=stamp,
                nonce=nonce,
                body=body,
            )
        return self.app(environ, start_response)


def signed_schema(credentials: Credentials, path_regex: str) -> Any:
    app = SigningApp(get_wsgi_application(), credentials)
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app).include(path_regex=path_regex)


@contextmanager
def connection_kept_open() -> Iterator[None]:
    """As Django's test client does: an in-process request must not close the test's connection
    (and with it the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
