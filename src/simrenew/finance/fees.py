"""What our contract with the payment provider says each payment costs: a fixed part plus a
percentage of the amount, by the provider's method. The reconciliation checks every fee the provider
deducts against it (Mollie's published rates for Belgian merchants)."""

from decimal import ROUND_HALF_UP, Decimal

# Provider method → (fixed cents, percentage).
CONTRACT: dict[str, tuple[int, Decimal]] = {
    "bancontact": (39, Decimal("0")),
    "kbc": (25, Decimal("0.9")),
    "belfius": (25, Decimal("0.9")),
    "creditcard": (25, Decimal("1.8")),
    "applepay": (25, Decimal("1.8")),
    "paypal": (10, Decimal("0")),
    "banktransfer": (25, Decimal("0")),
    "directdebit": (25, Decimal("0")),
}


def expected_fee(method: str, amount: int) -> int | None:
    """The contract's fee in cents for a payment of `amount` cents; None for a method it does not list."""
    rate = CONTRACT.get(method)
    if rate is None:
        return None
    fixed, percentage = rate
    return fixed + int((Decimal(amount) * percentage / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
