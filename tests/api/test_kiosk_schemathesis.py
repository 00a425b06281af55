"""Schemathesis against the OpenAPI of the kiosk API, in process through Django's WSGI app.

As for the POS API (test_pos_schemathesis.py): a WSGI wrapper signs every generated request with a
test kiosk terminal's credentials, so the cases reach the operations. Bounded: a few examples per
operation, no shrinking.
"""

import io
import secrets
import time
from typing import Any

import pytest
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
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk

CREDENTIALS: dict[str, str] = {}


class SigningKiosk:
    """Signs each kiosk API request (X-Terminal-Id, X-Timestamp, X-Nonce, X-Signature) before Django sees it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if CREDENTIALS and environ.get("PATH_INFO", "").startswith("/api/kiosk/"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            path = WSGIRequest({**environ, "wsgi.input": io.BytesIO(body)}).path
            stamp, nonce = str(int(time.time())), secrets.token_hex(16)
            environ["HTTP_X_TERMINAL_ID"] = CREDENTIALS["key"]
            environ["HTTP_X_TIMESTAMP"] = stamp
            environ["HTTP_X_NONCE"] = nonce
            environ["HTTP_X_SIGNATURE"] = signature(
                secret=CREDENTIALS["secret"],
                method=environ["REQUEST_METHOD"],
                path=path,
                query=environ.get("QUERY_STRING", ""),
                timestamp=stamp,
                nonce=nonce,
                body=body,
            )
        return self.app(environ, start_response)


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", SigningKiosk(get_wsgi_application())).include(
    path_regex=r"^/api/kiosk/"
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def kiosk_terminal():
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand)
    create_bundle(brand, code="base-15")
    create_line(brand, msisdn="+32470000001", credit=500)
    kiosk = create_kiosk("schema", with_terminal=True)
    assert kiosk.terminal is not None
    CREDENTIALS.update(key=kiosk.terminal.key_id, secret=kiosk._test_secret)
    # As Django's test client does: the request must not close the test's connection (and transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    CREDENTIALS.clear()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_kiosk_api_conforms_to_its_schema(case, kiosk_terminal):
    case.call_and_validate(checks=CHECKS)
