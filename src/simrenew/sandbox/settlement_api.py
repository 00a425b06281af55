"""Mollie's Settlements and Balances APIs (read-only), as the sandbox builds them (sandbox.settlements).

GET /v2/settlements, /v2/settlements/{id} (an id, a bank reference or "open"), its /payments and
/refunds; GET /v2/balances, /v2/balances/{id} ("primary" too) and its /transactions. Lists are newest
first with Mollie's cursor (`from`, `limit`).
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest

from simrenew.sandbox import hal, settlements
from simrenew.sandbox.api import Result, _limit, api_view
from simrenew.sandbox.models import SandboxPayment, SandboxRefund
from simrenew.sandbox.service import ApiError
from simrenew.sandbox.settlements import Settlement, Transaction


def _page[T](
    request: HttpRequest, items: Sequence[T], id_of: Callable[[T], str], base: str, what: str
) -> tuple[list[T], hal.Json]:
    """One page of `items` (already newest first) from the `from` cursor, and its links."""
    limit = _limit(request)
    ids = [id_of(item) for item in items]
    start = request.GET.get("from") or ""
    first = 0
    if start:
        if start not in ids:
            raise ApiError(400, f"No {what} exists with token {start}.", field="from")
        first = ids.index(start)
    page = list(items[first : first + limit])

    def link(index: int) -> hal.Json | None:
        if not 0 <= index < len(ids):
            return None
        return hal.link(f"{base}?{urlencode({'from': ids[index], 'limit': limit})}")

    links = {
        "self": link(first) if start else hal.link(f"{base}?{urlencode({'limit': limit})}"),
        "previous": link(max(first - limit, 0)) if first > 0 else None,
        "next": link(first + limit) if first + limit < len(ids) else None,
    }
    return page, links


def settlement_json(request: HttpRequest, settlement: Settlement) -> hal.Json:
    revenue: dict[str, list[Transaction]] = defaultdict(list)
    for payment in settlement.of_type("payment"):
        revenue[payment.method].append(payment)
    currency = settlement.currency
    periods_revenue = [
        {
            "description": method,
            "method": method,
            "count": len(found),
            "amountNet": hal.money(sum((t.initial for t in found), Decimal("0.00")), currency),
            "amountVat": None,
            "amountGross": hal.money(sum((t.initial for t in found), Decimal("0.00")), currency),
        }
        for method, found in sorted(revenue.items())
    ]
    refunds = settlement.of_type("refund")
    if refunds:
        total = sum((t.initial for t in refunds), Decimal("0.00"))
        periods_revenue.append(
            {
                "description": "Refunds",
                "method": None,
                "count": len(refunds),
                "amountNet": hal.money(total, currency),
                "amountVat": None,
                "amountGross": hal.money(total, currency),
            }
        )
    costs = []
    for method, found in sorted(revenue.items()):
        fixed, percentage = settlements.FEES.get(method, settlements.FEES["creditcard"])
        total = -sum((t.deductions for t in found), Decimal("0.00"))
        costs.append(
            {
                "description": f"{method} fees",
                "method": method,
                "count": len(found),
                "rate": {"fixed": hal.money(fixed, currency), "percentage": f"{percentage:.2f}"},
                "amountNet": hal.money(total, currency),
                "amountVat": None,
                "amountGross": hal.money(total, currency),
            }
        )
    day = settlement.day
    data: hal.Json = {
        "resource": "settlement",
        "id": settlement.id,
        "reference": settlement.reference,
        "createdAt": hal.timestamp(settlement.created_at),
        "settledAt": hal.timestamp(settlement.settled_at),
        "status": settlement.status,
        "amount": hal.money(settlement.amount, currency),
        "periods": {f"{day:%Y}": {f"{day:%m}": {"revenue": periods_revenue, "costs": costs, "invoiceId": None}}},
        "_links": {
            "self": hal.link(hal.url(request, "api_settlement", settlement.id)),
            "payments": hal.link(hal.url(request, "api_settlement_payments", settlement.id)),
            "refunds": hal.link(hal.url(request, "api_settlement_refunds", settlement.id)),
            "documentation": hal.link(f"{hal.DOCS}/get-settlement", "text/html"),
        },
    }
    return data


def transaction_json(movement: Transaction) -> hal.Json:
    return {
        "resource": "balance_transaction",
        "id": movement.id,
        "type": movement.type,
        "resultAmount": hal.money(movement.result, movement.currency),
        "initialAmount": hal.money(movement.initial, movement.currency),
        "deductions": hal.money(movement.deductions, movement.currency),
        "createdAt": hal.timestamp(movement.created_at),
        "context": movement.context,
    }


def balance_json(request: HttpRequest) -> hal.Json:
    everything = settlements.balance_transactions()
    created = min((t.created_at for t in everything), default=None)
    pending = settlements.pending_amount()
    return {
        "resource": "balance",
        "id": settlements.BALANCE_ID,
        "mode": "test",
        "createdAt": hal.timestamp(created),
        "currency": "EUR",
        "status": "active",
        "transferFrequency": "daily",
        "transferThreshold": hal.money(Decimal("0.00"), "EUR"),
        "transferReference": "Mollie payout",
        "transferDestination": {
            "type": "bank-account",
            "beneficiaryName": "simrenew",
            "bankAccount": settings.BANK_TRANSFER_IBAN.replace(" ", "").upper(),
        },
        # Every day before today was paid out the next morning; only today's money is still here.
        "availableAmount": hal.money(Decimal("0.00"), "EUR"),
        "pendingAmount": hal.money(pending, "EUR"),
        "_links": {
            "self": hal.link(hal.url(request, "api_balance", settlements.BALANCE_ID)),
            "documentation": hal.link(f"{hal.DOCS}/get-balance", "text/html"),
        },
    }


def _balance_id(balance_id: str) -> None:
    if balance_id not in (settlements.BALANCE_ID, "primary"):
        raise ApiError(404, f"No balance exists with token {balance_id}.")


# --- Views


def list_settlements(request: HttpRequest) -> Result:
    base = hal.url(request, "api_settlements")
    page, links = _page(request, settlements.settlements(), lambda s: s.id, base, "settlement")
    items = [settlement_json(request, s) for s in page]
    return 200, hal.list_json("settlements", items, links, "list-settlements")


def get_settlement(request: HttpRequest, settlement_id: str) -> Result:
    return 200, settlement_json(request, settlements.get_settlement(settlement_id))


def list_settlement_payments(request: HttpRequest, settlement_id: str) -> Result:
    settlement = settlements.get_settlement(settlement_id)
    ids = [t.context["paymentId"] for t in reversed(settlement.of_type("payment"))]
    found = {p.public_id: p for p in SandboxPayment.objects.filter(public_id__in=ids)}
    base = hal.url(request, "api_settlement_payments", settlement.id)
    page, links = _page(request, [found[i] for i in ids], lambda p: p.public_id, base, "payment")
    items = [hal.payment_json(request, payment) for payment in page]
    return 200, hal.list_json("payments", items, links, "list-settlement-payments")


def list_settlement_refunds(request: HttpRequest, settlement_id: str) -> Result:
    settlement = settlements.get_settlement(settlement_id)
    ids = [t.context["refundId"] for t in reversed(settlement.of_type("refund"))]
    found = {r.public_id: r for r in SandboxRefund.objects.filter(public_id__in=ids).select_related("payment")}
    base = hal.url(request, "api_settlement_refunds", settlement.id)
    page, links = _page(request, [found[i] for i in ids], lambda r: r.public_id, base, "refund")
    items = [hal.refund_json(request, refund) for refund in page]
    return 200, hal.list_json("refunds", items, links, "list-settlement-refunds")


def list_balances(request: HttpRequest) -> Result:
    links = {"self": hal.link(hal.url(request, "api_balances")), "previous": None, "next": None}
    return 200, hal.list_json("balances", [balance_json(request)], links, "list-balances")


def get_balance(request: HttpRequest, balance_id: str) -> Result:
    _balance_id(balance_id)
    return 200, balance_json(request)


def list_balance_transactions(request: HttpRequest, balance_id: str) -> Result:
    _balance_id(balance_id)
    base = hal.url(request, "api_balance_transactions", balance_id)
    page, links = _page(request, settlements.balance_transactions(), lambda t: t.id, base, "balance transaction")
    data: dict[str, Any] = hal.list_json(
        "balance_transactions", [transaction_json(t) for t in page], links, "list-balance-transactions"
    )
    return 200, data


settlements_view = api_view({"GET": list_settlements})
settlement_view = api_view({"GET": get_settlement})
settlement_payments_view = api_view({"GET": list_settlement_payments})
settlement_refunds_view = api_view({"GET": list_settlement_refunds})
balances_view = api_view({"GET": list_balances})
balance_view = api_view({"GET": get_balance})
balance_transactions_view = api_view({"GET": list_balance_transactions})
