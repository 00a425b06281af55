"""Match the provider's day (finance.statement) with our payments, refunds and ledger, to the cent.

Reads only; finance.service records what it finds. For each payment the provider settled: we know
it (else unknown_payment), our ledger fulfilled its order (else missing_webhook), it settled what we
booked in the provider's clearing account (else amount_mismatch) and the fee is the contract's (else
fee_mismatch). For each refund: we asked for it, for that amount, and booked it paid out once the
provider refunded it (else refund_mismatch). And the other way round: every payment our ledger has
paid that day is in the provider's day (else not_at_provider).
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from simrenew.finance import fees
from simrenew.finance.models import Cause
from simrenew.finance.statement import MollieStatements, Statement
from simrenew.ledger.models import Journal, Posting
from simrenew.orders.models import Refund, RefundStatus
from simrenew.payments.models import Payment, PaymentStatus
from simrenew.retail.queries import day_bounds

PROVIDER = "mollie"


@dataclass(frozen=True)
class Found:
    cause: str
    reference: str
    reason: str
    expected_amount: int | None
    found_amount: int | None
    facts: dict[str, Any] = field(default_factory=dict)


def clearing_code(currency: str = "EUR") -> str:
    # The account orders.postings posts provider payments to (provider:{name}:clearing).
    return f"provider:{PROVIDER}:clearing"


def _fulfilments(payments: list[Payment]) -> dict[int, int]:
    """Order id → what its fulfilment journal took from the provider's clearing account (positive)."""
    keys = {f"order:{p.order_id}:fulfil": p.order_id for p in payments}
    rows = Posting.objects.filter(journal__key__in=list(keys), account__code=clearing_code()).values_list(
        "journal__key", "amount"
    )
    found: dict[int, int] = {}
    for key, amount in rows:
        found[keys[key]] = found.get(keys[key], 0) - amount
    return found


def match_payments(statement: Statement) -> tuple[list[Found], int]:
    """Differences of the provider's payments, and how many matched."""
    ours = {
        p.provider_payment_id: p
        for p in Payment.objects.filter(provider=PROVIDER, provider_payment_id__in=list(statement.payments))
    }
    booked = _fulfilments(list(ours.values()))
    differences: list[Found] = []
    matched = 0
    for payment_id, settled in sorted(statement.payments.items()):
        payment = ours.get(payment_id)
        facts: dict[str, Any] = {"method": settled.method}
        if payment is None:
            differences.append(Found(Cause.UNKNOWN_PAYMENT, payment_id, "unknown", None, settled.settled_amount, facts))
            continue
        facts |= {"order_id": payment.order_id, "our_status": payment.status}
        before = len(differences)
        if payment.order_id not in booked:
            differences.append(
                Found(Cause.MISSING_WEBHOOK, payment_id, "not_booked", payment.amount, settled.settled_amount, facts)
            )
        elif settled.settled_amount != payment.amount:
            differences.append(
                Found(
                    Cause.AMOUNT_MISMATCH, payment_id, "settled_amount", payment.amount, settled.settled_amount, facts
                )
            )
        elif booked[payment.order_id] != payment.amount:
            differences.append(
                Found(
                    Cause.AMOUNT_MISMATCH, payment_id, "ledger_amount", payment.amount, booked[payment.order_id], facts
                )
            )
        expected_fee = fees.expected_fee(settled.method, settled.amount or settled.settled_amount)
        if expected_fee is not None and expected_fee != settled.fee_amount:
            differences.append(Found(Cause.FEE_MISMATCH, payment_id, "fee", expected_fee, settled.fee_amount, facts))
        matched += len(differences) == before
    return differences, matched


def match_refunds(statement: Statement) -> tuple[list[Found], int]:
    ours = {
        r.provider_refund_id: r
        for r in Refund.objects.filter(provider=PROVIDER, provider_refund_id__in=list(statement.refunds))
    }
    paid_out = set(
        Journal.objects.filter(key__in=[f"refund:{r.pk}:paid" for r in ours.values()]).values_list("key", flat=True)
    )
    differences: list[Found] = []
    matched = 0
    for refund_id, settled in sorted(statement.refunds.items()):
        refund = ours.get(refund_id)
        facts: dict[str, Any] = {"payment": settled.payment_id, "provider_status": settled.status}
        if refund is None:
            differences.append(Found(Cause.REFUND_MISMATCH, refund_id, "unknown_refund", None, settled.amount, facts))
            continue
        facts |= {"refund_id": refund.pk, "our_status": refund.status}
        if refund.amount != settled.amount:
            found = Found(Cause.REFUND_MISMATCH, refund_id, "refund_amount", refund.amount, settled.amount, facts)
        elif refund.status in (RefundStatus.FAILED, RefundStatus.CANCELED):
            found = Found(Cause.REFUND_MISMATCH, refund_id, "failed_here", refund.amount, settled.amount, facts)
        elif settled.status == "refunded" and f"refund:{refund.pk}:paid" not in paid_out:
            found = Found(Cause.REFUND_MISMATCH, refund_id, "payout_not_booked", refund.amount, settled.amount, facts)
        else:
            matched += 1
            continue
        differences.append(found)
    return differences, matched


def match_our_side(day: date, statement: Statement, source: MollieStatements) -> list[Found]:
    """Our payments paid that day that the provider's day lacks: asked about one by one (a payment
    paid just before midnight at the provider may reach our ledger just after)."""
    start, end = day_bounds(day)
    ours = Payment.objects.filter(
        provider=PROVIDER,
        status__in=[PaymentStatus.PAID, PaymentStatus.REFUNDED],
        paid_at__gte=start,
        paid_at__lt=end,
    ).exclude(provider_payment_id__in=list(statement.payments))
    differences = []
    for payment in ours.order_by("pk"):
        paid_day = source.paid_day(payment.provider_payment_id)
        if paid_day is not None and paid_day != day:
            continue  # in the provider's statement of another day
        facts = {"order_id": payment.order_id, "our_status": payment.status, "provider_paid_day": str(paid_day or "")}
        differences.append(
            Found(Cause.NOT_AT_PROVIDER, payment.provider_payment_id, "not_settled", payment.amount, None, facts)
        )
    return differences
