"""The sandbox's money at "Mollie": its fees, one balance, one settlement per day, built from the
sandbox's own payments and refunds (nothing is stored but the mismatches a tester plants).

* A paid payment is a `payment` balance transaction at its paid moment: the amount in, Mollie's fee
  (FEES: fixed plus a percentage of the amount, by method) deducted.
* A refund that gave or is giving money back (pending, processing or refunded; a queued one waits
  for balance, a failed or canceled one gave nothing) is a `refund` transaction at its creation.
* The day's transactions (Europe/Brussels, as TIME_ZONE) make that day's settlement; a settlement of
  a day gone by was paid out the next morning (an `outgoing-transfer` transaction), today's is open.

Planted mismatches (`plant_*`) change what Mollie reports for one payment or add what our platform
never asked for, so the reconciliation has something to find.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from simrenew.kit import clock
from simrenew.sandbox import service
from simrenew.sandbox.models import SandboxPayment, SandboxRefund, SandboxSettlementAdjustment
from simrenew.sandbox.service import ApiError

# Mollie's fee per payment, by method: (fixed, percentage of the amount). Its published rates for
# Belgian merchants; PayPal's own fee is PayPal's invoice, Mollie only adds its fixed fee.
FEES: dict[str, tuple[Decimal, Decimal]] = {
    "bancontact": (Decimal("0.39"), Decimal("0")),
    "kbc": (Decimal("0.25"), Decimal("0.9")),
    "belfius": (Decimal("0.25"), Decimal("0.9")),
    "creditcard": (Decimal("0.25"), Decimal("1.8")),
    "applepay": (Decimal("0.25"), Decimal("1.8")),
    "paypal": (Decimal("0.10"), Decimal("0")),
    "banktransfer": (Decimal("0.25"), Decimal("0")),
    "directdebit": (Decimal("0.25"), Decimal("0")),
}
CENT = Decimal("0.01")
BALANCE_ID = "bal_sandbox0001"
MERCHANT_ID = "1234567"  # the first part of a settlement's bank reference
PAYOUT_HOUR = 6  # a day's settlement is paid out at this hour of the next day
DEDUCTED_REFUNDS = (SandboxRefund.PENDING, SandboxRefund.PROCESSING, SandboxRefund.REFUNDED)


def fee(method: str, amount: Decimal) -> Decimal:
    fixed, percentage = FEES.get(method, FEES["creditcard"])
    return (fixed + amount * percentage / 100).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Transaction:
    id: str
    type: str  # payment, refund, outgoing-transfer
    created_at: datetime
    initial: Decimal
    deductions: Decimal  # zero or negative
    currency: str
    context: dict[str, str]
    method: str = ""

    @property
    def result(self) -> Decimal:
        return self.initial + self.deductions


@dataclass
class Settlement:
    day: date
    currency: str
    transactions: list[Transaction] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"stl_sb{self.day:%Y%m%d}"

    @property
    def reference(self) -> str:
        return f"{MERCHANT_ID}.{self.day:%y%m}.{self.day.day:02d}"

    @property
    def created_at(self) -> datetime:
        return min(t.created_at for t in self.transactions)

    @property
    def settled_at(self) -> datetime | None:
        payout = _local_start(self.day + timedelta(days=1)) + timedelta(hours=PAYOUT_HOUR)
        return payout if payout <= clock.now() else None

    @property
    def status(self) -> str:
        return "paidout" if self.settled_at else "open"

    @property
    def amount(self) -> Decimal:
        return sum((t.result for t in self.transactions), Decimal("0.00"))

    def of_type(self, kind: str) -> list[Transaction]:
        return [t for t in self.transactions if t.type == kind]


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _adjustments() -> dict[tuple[int, str], Decimal]:
    rows = SandboxSettlementAdjustment.objects.values_list("payment_id", "kind", "delta_value")
    return {(payment_id, kind): delta for payment_id, kind, delta in rows}


def movements() -> list[Transaction]:
    """Every payment and refund transaction, oldest first (payouts aside)."""
    adjust = _adjustments()
    found: list[Transaction] = []
    paid = SandboxPayment.objects.filter(status=SandboxPayment.PAID, paid_at__isnull=False).order_by("paid_at", "pk")
    for payment in paid:
        paid_at = payment.paid_at
        assert paid_at is not None
        amount = payment.amount_value + adjust.get((payment.pk, SandboxSettlementAdjustment.AMOUNT), Decimal(0))
        charged = fee(payment.method, payment.amount_value)
        charged += adjust.get((payment.pk, SandboxSettlementAdjustment.FEE), Decimal(0))
        found.append(
            Transaction(
                id=f"baltr_{payment.public_id[3:]}P",
                type="payment",
                created_at=paid_at,
                initial=amount,
                deductions=-charged,
                currency=payment.currency,
                context={"paymentId": payment.public_id},
                method=payment.method,
            )
        )
    refunds = SandboxRefund.objects.filter(status__in=DEDUCTED_REFUNDS).select_related("payment")
    for refund in refunds.order_by("created_at", "pk"):
        found.append(
            Transaction(
                id=f"baltr_{refund.public_id[3:]}R",
                type="refund",
                created_at=refund.created_at,
                initial=-refund.amount_value,
                deductions=Decimal("0.00"),
                currency=refund.currency,
                context={"paymentId": refund.payment.public_id, "refundId": refund.public_id},
            )
        )
    found.sort(key=lambda t: (t.created_at, t.id))
    return found


def settlements() -> list[Settlement]:
    """One settlement per day with transactions, newest first."""
    by_day: dict[date, Settlement] = {}
    for movement in movements():
        day = timezone.localdate(movement.created_at)
        by_day.setdefault(day, Settlement(day=day, currency=movement.currency)).transactions.append(movement)
    return [by_day[day] for day in sorted(by_day, reverse=True)]


def get_settlement(settlement_id: str) -> Settlement:
    """By id, by bank reference, or "open" (today's)."""
    today = timezone.localdate(clock.now())
    for settlement in settlements():
        if settlement_id in (settlement.id, settlement.reference) or (
            settlement_id == "open" and settlement.day == today
        ):
            return settlement
    raise ApiError(404, f"No settlement exists with token {settlement_id}.")


def balance_transactions() -> list[Transaction]:
    """Every transaction of the balance, newest first: movements and each paid-out day's transfer."""
    found = movements()
    for settlement in settlements():
        settled_at = settlement.settled_at
        if settled_at is not None and settlement.amount:
            found.append(
                Transaction(
                    id=f"baltr_{settlement.id[4:]}T",
                    type="outgoing-transfer",
                    created_at=settled_at,
                    initial=-settlement.amount,
                    deductions=Decimal("0.00"),
                    currency=settlement.currency,
                    context={"settlementId": settlement.id, "transferId": f"trf_{settlement.id[4:]}"},
                )
            )
    found.sort(key=lambda t: (t.created_at, t.id), reverse=True)
    return found


def pending_amount() -> Decimal:
    today = timezone.localdate(clock.now())
    return sum((s.amount for s in settlements() if s.day == today), Decimal("0.00"))


# --- Planting mismatches (the tester's tools; see the `sandbox_mismatch` command)


def plant_adjustment(payment_id: str, kind: str, delta: Decimal) -> SandboxSettlementAdjustment:
    """The paid payment settles `delta` more (kind "amount") or Mollie deducts `delta` more ("fee")."""
    if kind not in {SandboxSettlementAdjustment.AMOUNT, SandboxSettlementAdjustment.FEE}:
        raise ApiError(422, f"The adjustment {kind!r} cannot be planted", field="kind")
    payment = service.get_payment(payment_id)
    if payment.status != SandboxPayment.PAID:
        raise ApiError(422, "Only a paid payment is settled", field="paymentId")
    adjustment, _ = SandboxSettlementAdjustment.objects.update_or_create(
        payment=payment, kind=kind, defaults={"delta_value": delta, "created_at": clock.now()}
    )
    return adjustment


def plant_paid_without_webhook(payment_id: str) -> SandboxPayment:
    """The consumer paid, but the webhook never reached the platform (it is not even sent)."""
    with transaction.atomic():
        payment = SandboxPayment.objects.select_for_update().filter(public_id=payment_id).first()
        if payment is None:
            raise ApiError(404, f"No payment exists with token {payment_id}.")
        payment.webhook_url = ""
        payment.save(update_fields=["webhook_url"])
        return service.set_status(payment_id, SandboxPayment.PAID)


def plant_unknown_payment(amount: Decimal, method: str = "bancontact") -> SandboxPayment:
    """A payment paid on the account that the platform never created (another shop, a test by hand)."""
    payment = service.create_payment(
        {
            "amount": {"currency": "EUR", "value": f"{amount:.2f}"},
            "description": "Payment created outside the platform",
            "redirectUrl": "https://example.com/return",
            "method": method,
        }
    )
    return service.set_status(payment.public_id, SandboxPayment.PAID)


def plant_dashboard_refund(payment_id: str, amount: Decimal) -> SandboxRefund:
    """A refund made in Mollie's dashboard, which the platform never asked for; it is processed now."""
    refund = service.create_refund(payment_id, {"amount": {"currency": "EUR", "value": f"{amount:.2f}"}})
    if refund.status == SandboxRefund.QUEUED:
        service.set_refund_status(payment_id, refund.public_id, SandboxRefund.PENDING)
    refund.refresh_from_db()
    return refund
