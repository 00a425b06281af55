"""Schemathesis against the OpenAPI of the POS (and SMS) API, in process through Django's WSGI app.

A WSGI wrapper signs every generated request with a test terminal's credentials, as a real terminal
would, so the cases reach the operations. Bounded: a few examples per operation, no shrinking.
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

from simrenew.terminals.models import TerminalKind
from simrenew.terminals.signing import signature
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.retail.factories import create_outlet, create_retailer, create_terminal, set_rate

CREDENTIALS: dict[str, str] = {}


class SigningApp:
    """Signs each request (X-Terminal-Id, X-Timestamp, X-Nonce, X-Signature) before Django sees it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if CREDENTIALS and environ.get("PATH_INFO", "").startswith(("/api/pos/", "/api/sms/")):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            path = WSGIRequest({**environ, "wsgi.input": io.BytesIO(body)}).path
            kind = "sms" if path.startswith("/api/sms/") else "pos"
            stamp, nonce = str(int(time.time())), secrets.token_hex(16)
            environ["HTTP_X_TERMINAL_ID"] = CREDENTIALS[f"{kind}_key"]
            environ["HTTP_X_TIMESTAMP"] = stamp
            environ["HTTP_X_NONCE"] = nonce
            environ["HTTP_X_SIGNATURE"] = signature(
                secret=CREDENTIALS[f"{kind}_secret"],
                method=environ["REQUEST_METHOD"],
                path=path,
                query=environ.get("QUERY_STRING", ""),
                timestamp=stamp,
                nonce=nonce,
                body=body,
            )
        return self.app(environ, start_response)


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", SigningApp(get_wsgi_application())).include(
    path_regex=r"^/api/(pos|sms)/"
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def terminals():
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand)
    create_bundle(brand, code="base-15")
    create_line(brand, msisdn="+32470000001")
    retailer = create_retailer(float_amount=100_000)
    set_rate(retailer, brand, 300)
    pos, pos_secret = create_terminal(create_outlet(retailer))
    sms, sms_secret = create_terminal(None, kind=TerminalKind.SMS_GATEWAY)
    CREDENTIALS.update(pos_key=pos.key_id, pos_secret=pos_secret, sms_key=sms.key_id, sms_secret=sms_secret)
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
def test_pos_api_conforms_to_its_schema(case, terminals):
    case.call_and_validate(checks=CHECKS)
