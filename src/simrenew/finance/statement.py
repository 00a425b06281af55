"""What the payment provider says about one day: its balance transactions (each payment in with
Mollie's fee deducted, each refund out) and the day's settlement, read through the official client.

Mollie serves the Balances and Settlements APIs to the same client as payments (`client.balances`,
`client.settlements`). At Mollie they need an organization access token rather than an API key:
with MOLLIE_ACCESS_TOKEN set, the client uses it; the sandbox takes the API key.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from mollie.api.error import Error as MollieError
from mollie.api.objects.balance import Balance
from mollie.api.objects.payment import Payment as MolliePayment
from mollie.api.resources.refunds import PaymentRefunds

from simrenew.finance.errors import ProviderUnreachable
from simrenew.payments.mollie import MollieProvider, cents
from simrenew.payments.provider import ProviderError
from simrenew.retail.queries import day_bounds

PAGE = 250


@dataclass
class SettledPayment:
    id: str
    settled_amount: int  # what came into the balance before fees (cents)
    fee_amount: int  # what Mollie deducted
    paid_at: datetime
    method: str = ""
    amount: int | None = None  # the payment's own amount, when read


@dataclass
class SettledRefund:
    id: str
    payment_id: str
    amount: int  # what went out of the balance (positive cents)
    status: str = ""


@dataclass
class Statement:
    day: date
    payments: dict[str, SettledPayment] = field(default_factory=dict)
    refunds: dict[str, SettledRefund] = field(default_factory=dict)
    settlement_id: str = ""
    settlement_reference: str = ""
    settlement_amount: int | None = None

    @property
    def net_amount(self) -> int:
        paid = sum(p.settled_amount - p.fee_amount for p in self.payments.values())
        return paid - sum(r.amount for r in self.refunds.values())


def _when(raw: Any) -> datetime:
    moment = parse_datetime(str(raw))
    if moment is None:
        raise ProviderUnreachable()
    return moment


def _pages(first: Any) -> Iterator[Any]:
    page = first
    while True:
        yield from page
        if not page.has_next():
            return
        page = page.get_next()


class MollieStatements:
    """Reads one day from Mollie (or the sandbox) with the client payments already use."""

    def __init__(self) -> None:
        try:
            self.client = MollieProvider().client
        except ProviderError as exc:
            raise ProviderUnreachable() from exc
        token = getattr(settings, "MOLLIE_ACCESS_TOKEN", "")
        if token:
            self.client.set_access_token(token)

    def day(self, day: date) -> Statement:
        try:
            return self._day(day)
        except MollieError as exc:
            raise ProviderUnreachable() from exc

    def _day(self, day: date) -> Statement:
        start, end = day_bounds(day)
        statement = Statement(day=day)
        balance = Balance({"id": "primary"}, self.client)
        for item in _pages(balance.get_transactions(limit=PAGE)):
            created = _when(item.created_at)
            if created < start:
                break  # newest first: the rest is older
            if created >= end:
                continue
            context = item.context or {}
            if item.type == "payment":
                payment_id = str(context.get("paymentId") or (context.get("payment") or {}).get("paymentId"))
                statement.payments[payment_id] = SettledPayment(
                    id=payment_id,
                    settled_amount=cents(item.initial_amount),
                    fee_amount=-cents(item.deductions) if item.deductions else 0,
                    paid_at=created,
                )
            elif item.type == "refund":
                refund_id = str(context.get("refundId") or (context.get("refund") or {}).get("refundId"))
                payment_id = str(context.get("paymentId") or (context.get("refund") or {}).get("paymentId"))
                statement.refunds[refund_id] = SettledRefund(
                    id=refund_id, payment_id=payment_id, amount=-cents(item.initial_amount)
                )
        self._read_settlement(statement, start, end)
        self._complete(statement)
        return statement

    def _read_settlement(self, statement: Statement, start: datetime, end: datetime) -> None:
        """The day's settlement (opened by its first transaction): the payments' methods and amounts
        and the refunds' statuses in two calls."""
        for settlement in _pages(self.client.settlements.list(limit=PAGE)):
            created = _when(settlement.created_at)
            if created < start:
                return
            if created >= end:
                continue
            statement.settlement_id = settlement.id
            statement.settlement_reference = settlement.reference or ""
            statement.settlement_amount = cents(settlement.amount)
            for payment in _pages(settlement.payments.list(limit=PAGE)):
                if payment.id in statement.payments:
                    statement.payments[payment.id].method = payment.method or ""
                    statement.payments[payment.id].amount = cents(payment.amount)
            for refund in _pages(settlement.refunds.list(limit=PAGE)):
                if refund.id in statement.refunds:
                    statement.refunds[refund.id].status = refund.status or ""
            return

    def _complete(self, statement: Statement) -> None:
        """Anything the settlement did not cover (a settlement spanning days, as at Mollie) is read one by one."""
        for payment in statement.payments.values():
            if payment.amount is None:
                found = self.client.payments.get(payment.id)
                payment.method, payment.amount = found.method or "", cents(found.amount)
        for refund in statement.refunds.values():
            if not refund.status:
                stand_in = MolliePayment({"id": refund.payment_id}, self.client)
                refund.status = PaymentRefunds(self.client, stand_in).get(refund.id).status or ""

    def paid_day(self, payment_id: str) -> date | None:
        """The day the provider has the payment paid (None: not paid there, or unknown to it)."""
        try:
            found = self.client.payments.get(payment_id)
        except MollieError as exc:
            if getattr(exc, "status", None) == 404:
                return None
            raise ProviderUnreachable() from exc
        if found.status != "paid" or not found.paid_at:
            return None
        return timezone.localdate(_when(found.paid_at))
