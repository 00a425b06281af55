"""Races on PostgreSQL: the gateway sends a USSD session's final step several times at once (retries
of a slow answer). One order, one charge, one voucher redemption; every answer the same screen.

Each request runs in its own thread with its own connection. SQLite serialises every writer, so
these run only with DATABASE_URL=postgres://….
"""

import pytest
from django.db import connection
from django.test import Client

from simrenew.lines.queries import balances
from simrenew.orders.models import Order
from simrenew.terminals.models import TerminalKind
from tests.api.ussd_gateway import Screen, Session, UssdGateway
from tests.concurrency import race
from tests.factories import create_brand, create_bundle, create_line, create_topup_product
from tests.retail.factories import create_terminal
from tests.vouchers.factories import sell_pin

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"),
    pytest.mark.django_db(transaction=True),
]

TIMES = 5


def at_once(session: Session, typed: list[str]) -> list[Screen]:
    """The session's step for `typed`, sent TIMES at the same moment, each from its own client."""
    gateways = [UssdGateway(Client(), session.gateway.key_id, session.gateway.secret) for _ in range(TIMES)]

    def run(index: int) -> Screen:
        return gateways[index].step(session=session.id, code=session.code, number=session.number, text="*".join(typed))

    # anything but a screen comes back as status 0, which fails the test
    return [
        answer if isinstance(answer, Screen) else Screen(0, f"{kind}: {answer}") for kind, answer in race(TIMES, run)
    ]


@pytest.fixture
def gateway() -> UssdGateway:
    terminal, secret = create_terminal(None, kind=TerminalKind.SMS_GATEWAY)
    return UssdGateway(Client(), terminal.key_id, secret)


def test_a_confirmation_sent_five_times_at_once_buys_once(gateway):
    brand = create_brand()
    create_bundle(brand, price_amount=1000, names={"en": "Smart 10"})
    line = create_line(brand, credit=5000)
    session = gateway.session("*102#", line.msisdn)

    screens = at_once(session, ["1", "1"])

    assert {screen.status for screen in screens} == {200}
    assert len({screen.body for screen in screens}) == 1 and screens[0].ended
    assert Order.objects.filter(line=line).count() == 1
    assert balances(line).credit_amount == 4000


def test_a_pin_sent_five_times_at_once_tops_up_once(gateway):
    brand = create_brand()
    create_topup_product(brand)
    issued = sell_pin(brand, 2000)
    line = create_line(brand)
    session = gateway.session(f"*101*{issued.pin}#", line.msisdn)

    screens = at_once(session, [])

    assert {screen.status for screen in screens} == {200}
    assert len({screen.body for screen in screens}) == 1, [screen.body for screen in screens]
    assert screens[0].text.startswith("Topped up with €20.00")
    assert balances(line).credit_amount == 2000
