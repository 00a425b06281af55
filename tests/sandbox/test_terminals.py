"""The sandbox's point-of-sale terminals through the official Mollie client: the Terminals API, payments
started on a terminal (method=pointofsale, terminalId), the terminal screen page where the tester
presents or refuses the card, and cancelling a payment the terminal still waits for."""

import pytest
from mollie.api.error import NotFoundError, UnprocessableEntityError

from simrenew.sandbox.models import SandboxPayment
from tests.sandbox.helpers import payment_data

pytestmark = pytest.mark.django_db(transaction=True)

SCREEN = "/sandbox/mollie/terminals/{}/"


def pos_payment(mollie, terminal_id="term_sandbox0001", value="12.50"):
    data = payment_data(method="pointofsale", terminalId=terminal_id, amount={"currency": "EUR", "value": value})
    data.pop("redirectUrl")
    return mollie.payments.create(data)


def test_the_terminals_api_lists_the_accounts_terminals(mollie):
    listed = {t.id: (t.status, t.description) for t in mollie.terminals.list()}
    assert listed["term_sandbox0001"] == ("active", "Counter 1")
    assert listed["term_sandbox0005"] == ("inactive", "Spare (switched off)")
    assert len(listed) == 5
    one = mollie.terminals.get("term_sandbox0003")
    assert (one.brand, one.model, one.currency) == ("PAX", "IM30", "EUR")
    with pytest.raises(NotFoundError):
        mollie.terminals.get("term_nothere000")


@pytest.mark.parametrize(
    ("terminal_id", "message"),
    [
        ("", "The terminal id is required for point-of-sale payments"),
        ("term_sandbox0005", "The terminal is not active"),
        ("term_nothere000", "The terminal does not exist"),
    ],
)
def test_a_point_of_sale_payment_needs_an_active_terminal(mollie, terminal_id, message):
    with pytest.raises(UnprocessableEntityError) as refused:
        pos_payment(mollie, terminal_id)
    assert str(refused.value) == message
    assert SandboxPayment.objects.count() == 0


def test_the_terminal_screen_shows_the_payment_and_the_tester_approves_it(mollie, client):
    payment = pos_payment(mollie)
    assert (payment.status, payment.method) == ("open", "pointofsale")
    screen = client.get(SCREEN.format("term_sandbox0001")).content.decode()
    assert payment.id in screen and "€12.50" in screen
    assert payment.id not in client.get(SCREEN.format("term_sandbox0002")).content.decode()
    assert payment.id in client.get("/sandbox/mollie/terminals/").content.decode()

    done = client.post(SCREEN.format("term_sandbox0001"), {"payment": payment.id, "action": "approve"})
    assert done.status_code == 302
    paid = mollie.payments.get(payment.id)
    assert paid.status == "paid" and paid.details["cardLabel"]
    after = client.get(done.url).content.decode()
    assert f"Last payment {payment.id} (€12.50): paid." in after and "Waiting for a payment" in after
    # Paid is final: neither another button nor a cancel changes it.
    again = client.post(SCREEN.format("term_sandbox0001"), {"payment": payment.id, "action": "decline"})
    assert again.status_code == 422
    with pytest.raises(UnprocessableEntityError):
        mollie.payments.delete(payment.id)
    assert mollie.payments.get(payment.id).status == "paid"


def test_the_screen_refuses_another_terminals_payment_or_an_unknown_action(mollie, client):
    payment = pos_payment(mollie)
    other = client.post(SCREEN.format("term_sandbox0002"), {"payment": payment.id, "action": "approve"})
    assert other.status_code == 404
    unknown = client.post(SCREEN.format("term_sandbox0001"), {"payment": payment.id, "action": "pay-twice"})
    assert unknown.status_code == 422
    assert client.get(SCREEN.format("term_nothere000")).status_code == 404
    assert mollie.payments.get(payment.id).status == "open"


def test_a_payment_the_terminal_waits_for_can_be_cancelled(mollie, client):
    payment = pos_payment(mollie)
    assert mollie.payments.delete(payment.id).status == "canceled"
    assert payment.id not in client.get(SCREEN.format("term_sandbox0001")).content.decode()
    late = client.post(SCREEN.format("term_sandbox0001"), {"payment": payment.id, "action": "approve"})
    assert late.status_code == 422
    assert mollie.payments.get(payment.id).status == "canceled"
