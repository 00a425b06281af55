"""Schemathesis against the OpenAPI of the POS (and SMS) API, in process through Django's WSGI app.

Every generated request is signed with a test terminal's credentials, as a real terminal would
sign it, so the cases reach the operations (tests/api/schema_checks.py).
"""

import pytest

from simrenew.terminals.models import TerminalKind
from tests.api.schema_checks import BOUNDED, CHECKS, connection_kept_open, signed_schema
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.retail.factories import create_outlet, create_retailer, create_terminal, set_rate

CREDENTIALS: dict[str, tuple[str, str]] = {}


def credentials_for(path: str) -> tuple[str, str] | None:
    if path.startswith("/api/sms/"):
        return CREDENTIALS.get("sms")
    if path.startswith("/api/pos/"):
        return CREDENTIALS.get("pos")
    return None


schema = signed_schema(credentials_for, r"^/api/(pos|sms)/")


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
    CREDENTIALS.update(pos=(pos.key_id, pos_secret), sms=(sms.key_id, sms_secret))
    with connection_kept_open():
        yield
    CREDENTIALS.clear()


@pytest.mark.django_db
@schema.parametrize()
@BOUNDED
def test_pos_api_conforms_to_its_schema(case, terminals):
    case.call_and_validate(checks=CHECKS)
