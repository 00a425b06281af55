"""Schemathesis against the OpenAPI of the kiosk API, in process through Django's WSGI app.

As for the POS API: every generated request is signed with a test kiosk terminal's credentials
(tests/api/schema_checks.py), so the cases reach the operations.
"""

import pytest

from tests.api.schema_checks import BOUNDED, CHECKS, connection_kept_open, signed_schema
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk

CREDENTIALS: dict[str, tuple[str, str]] = {}


def credentials_for(path: str) -> tuple[str, str] | None:
    return CREDENTIALS.get("kiosk") if path.startswith("/api/kiosk/") else None


schema = signed_schema(credentials_for, r"^/api/kiosk/")


@pytest.fixture
def kiosk_terminal():
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand)
    create_bundle(brand, code="base-15")
    create_line(brand, msisdn="+32470000001", credit=500)
    kiosk = create_kiosk("schema", with_terminal=True)
    assert kiosk.terminal is not None
    CREDENTIALS.update(kiosk=(kiosk.terminal.key_id, kiosk._test_secret))
    with connection_kept_open():
        yield
    CREDENTIALS.clear()


@pytest.mark.django_db
@schema.parametrize()
@BOUNDED
def test_kiosk_api_conforms_to_its_schema(case, kiosk_terminal):
    case.call_and_validate(checks=CHECKS)
