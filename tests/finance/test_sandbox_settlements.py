"""The sandbox's Settlements and Balances APIs, read with the official client as the reconciliation does."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from mollie.api.client import Client
from mollie.api.error import NotFoundError
from mollie.api.objects.balance import Balance

from simrenew.kit import clock
from simrenew.sandbox import service as sandbox
from simrenew.sandbox import settlements
from simrenew.sandbox.models import SandboxPayment, SandboxSettlementAdjustment
from tests.sandbox.helpers import TEST_KEY, payment_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mollie(site) -> Client:
    client = Client(api_endpoint=site + "/sandbox/mollie")
    client.set_api_key(TEST_KEY)
    return client


def paid(amount: str, method: str) -> SandboxPayment:
    payment = sandbox.create_payment(payment_data(amount={"currency": "EUR", "value": amount}, method=method))
    return sandbox.set_status(payment.public_id, "paid")


def test_the_fee_table():
    assert settlements.fee("bancontact", Decimal("20.00")) == Decimal("0.39")
    assert settlements.fee("creditcard", Decimal("10.25")) == Decimal("0.43")  # 0.25 + 0.1845
    assert settlements.fee("kbc", Decimal("50.00")) == Decimal("0.70")
    assert settlements.fee("paypal", Decimal("51.30")) == Decimal("0.10")


def test_a_days_settlement_with_its_payments_refunds_and_costs(mollie):
    first = paid("20.00", "bancontact")
    second = paid("10.25", "creditcard")
    refund = sandbox.create_refund(first.public_id, {"amount": {"currency": "EUR", "value": "5.00"}})
    day = timezone.localdate(clock.now())

    found = list(mollie.settlements.list())
    assert [s.id for s in found] == [f"stl_sb{day:%Y%m%d}"]
    settlement = mollie.settlements.get("open")
    assert settlement.id == found[0].id
    assert mollie.settlements.get(settlement.reference).id == settlement.id
    assert settlement.status == "open" and settlement.settled_at is None
    assert settlement.amount == {"currency": "EUR", "value": "24.43"}  # 30.25 - 0.39 - 0.43 - 5.00
    period = settlement.periods[f"{day:%Y}"][f"{day:%m}"]
    assert [(c["method"], c["count"], c["amountGross"]["value"]) for c in period["costs"]] == [
        ("bancontact", 1, "0.39"),
        ("creditcard", 1, "0.43"),
    ]
    assert [p.id for p in settlement.payments.list()] == [second.public_id, first.public_id]
    assert [(r.id, r.amount["value"]) for r in settlement.refunds.list()] == [(refund.public_id, "5.00")]
    with pytest.raises(NotFoundError):
        mollie.settlements.get("stl_nothing")


def test_balance_transactions_newest_first_page_by_page(mollie):
    payments = [paid(value, "bancontact") for value in ("10.00", "15.00", "20.00")]
    balance = mollie.balances.get("primary")
    assert balance.pending_amount == {"currency": "EUR", "value": str(Decimal("45.00") - 3 * Decimal("0.39"))}

    page = Balance({"id": "primary"}, mollie).get_transactions(limit=2)
    seen = [t.context["paymentId"] for t in page]
    assert page.has_next()
    seen += [t.context["paymentId"] for t in page.get_next()]

    assert seen == [p.public_id for p in reversed(payments)]
    first = next(iter(page))
    assert (first.type, first.initial_amount["value"], first.deductions["value"], first.result_amount["value"]) == (
        "payment",
        "20.00",
        "-0.39",
        "19.61",
    )


def test_a_day_gone_by_was_paid_out_the_next_morning(mollie):
    payment = paid("20.00", "bancontact")
    with time_machine.travel(clock.now() + timedelta(days=2)):
        settlement = mollie.settlements.get(f"stl_sb{timezone.localdate(payment.paid_at):%Y%m%d}")
        transactions = list(Balance({"id": "primary"}, mollie).get_transactions())
    assert settlement.status == "paidout" and settlement.settled_at
    assert [(t.type, t.result_amount["value"]) for t in transactions] == [
        ("outgoing-transfer", "-19.61"),
        ("payment", "19.61"),
    ]


def test_the_mismatch_command_plants_and_refuses_nonsense(site):
    payment = paid("20.00", "bancontact")

    call_command("sandbox_mismatch", "fee", payment.public_id, "0.20")
    call_command("sandbox_mismatch", "amount", payment.public_id, "-1.00")

    assert sorted(SandboxSettlementAdjustment.objects.values_list("kind", "delta_value")) == [
        ("amount", Decimal("-1.00")),
        ("fee", Decimal("0.20")),
    ]
    for arguments, message in [
        (("fee", payment.public_id, "0,20"), "not an amount"),
        (("fee", payment.public_id, "\u0661\u066b\u0660\u0660"), "not an amount"),
        (("fee", "tr_nothing", "0.20"), "No payment exists"),
        (("fee",), "needs a payment id"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("sandbox_mismatch", *arguments)
    assert SandboxSettlementAdjustment.objects.count() == 2
