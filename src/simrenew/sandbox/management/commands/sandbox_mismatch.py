"""`simrenew sandbox_mismatch …`: plant a mismatch in the payment sandbox's settlements, for a demo
of the daily reconciliation (or a test of it). Refused outside the sandbox (production)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from simrenew.sandbox import settlements
from simrenew.sandbox.service import ApiError

KINDS = {
    "amount": "the payment settles DELTA euro more (negative: less) than it was paid for",
    "fee": "Mollie deducts DELTA euro more (negative: less) fee than its fee table says",
    "no-webhook": "an open payment is paid, but its webhook is never sent",
    "unknown-payment": "a payment of AMOUNT euro the platform never created is paid",
    "dashboard-refund": "AMOUNT euro of a paid payment is refunded from Mollie's dashboard",
}


def _euro(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise CommandError(f"{raw!r} is not an amount in euro, like 1.50 or -0.20") from None
    if not raw.lstrip("-").replace(".", "", 1).isascii() or value != value.quantize(Decimal("0.01")):
        raise CommandError(f"{raw!r} is not an amount in euro with at most two decimals")
    return value.quantize(Decimal("0.01"))


class Command(BaseCommand):
    help = "Plant a mismatch in the payment sandbox: " + "; ".join(f"{k}: {v}" for k, v in KINDS.items())

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("payment", nargs="?", default="", help="the tr_ id (not for unknown-payment)")
        parser.add_argument("amount", nargs="?", default="", help="DELTA or AMOUNT in euro, e.g. 0.50")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.MOLLIE_API_ENDPOINT:
            raise CommandError("The payment sandbox is not in use here (MOLLIE_API_ENDPOINT is empty)")
        kind, payment, amount = options["kind"], options["payment"], options["amount"]
        try:
            if kind == "unknown-payment":
                planted = settlements.plant_unknown_payment(_euro(payment or amount or "10.00"))
                self.stdout.write(f"paid {planted.public_id} ({planted.amount_value} EUR), unknown to the platform")
                return
            if not payment:
                raise CommandError(f"{kind} needs a payment id (tr_…)")
            if kind == "no-webhook":
                settlements.plant_paid_without_webhook(payment)
                self.stdout.write(f"{payment} is paid; no webhook was sent")
            elif kind == "dashboard-refund":
                refund = settlements.plant_dashboard_refund(payment, _euro(amount or "1.00"))
                self.stdout.write(f"{refund.public_id}: {refund.amount_value} EUR of {payment} refunded")
            else:
                settlements.plant_adjustment(payment, kind, _euro(amount or "0.50"))
                self.stdout.write(f"{payment}: {kind} off by {_euro(amount or '0.50')} EUR in the settlement")
        except ApiError as error:
            raise CommandError(error.detail) from error
