"""Reads of brands and their payment fees shared by pages and APIs."""

from simrenew.brands.models import ONLINE_METHODS, Brand, PaymentMethod, PaymentMethodFee
from simrenew.kit.money import percent_of


def method_fee(*, brand: Brand, method: str, price_amount: int) -> int:
    """The fee in cents the customer pays for `method` on a price; zero when none is configured."""
    if method == PaymentMethod.CREDIT:
        return 0
    fee = PaymentMethodFee.objects.filter(brand=brand, method=method, enabled=True).first()
    if fee is None:
        return 0
    return fee.fixed_amount + percent_of(price_amount, fee.percent_bp)


def enabled_online_methods(brand: Brand) -> list[str]:
    disabled = set(PaymentMethodFee.objects.filter(brand=brand, enabled=False).values_list("method", flat=True))
    return [m.value for m in ONLINE_METHODS if m.value not in disabled]
