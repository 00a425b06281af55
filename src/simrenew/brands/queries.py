"""Reads of brands and their payment fees shared by pages and APIs.

Fees change in the back office only: they are kept per process (simrenew.reference) and reloaded
when anyone changes a fee or a brand.
"""

from simrenew.brands.models import ONLINE_METHODS, Brand, PaymentMethod, PaymentMethodFee
from simrenew.kit.money import percent_of
from simrenew.reference import cache


def _fees(brand_id: int) -> dict[str, PaymentMethodFee]:
    return cache.cached(
        f"brand-fees:{brand_id}",
        lambda: {fee.method: fee for fee in PaymentMethodFee.objects.filter(brand_id=brand_id)},
    )


def fees_of(brand: Brand) -> dict[str, PaymentMethodFee]:
    """The brand's fee per payment method (a method without a row has none), kept per process."""
    return _fees(brand.pk)


def method_fee(*, brand: Brand, method: str, price_amount: int) -> int:
    """The fee in cents the customer pays for `method` on a price; zero when none is configured."""
    if method == PaymentMethod.CREDIT:
        return 0
    fee = _fees(brand.pk).get(method)
    if fee is None or not fee.enabled:
        return 0
    return fee.fixed_amount + percent_of(price_amount, fee.percent_bp)


def enabled_online_methods(brand: Brand) -> list[str]:
    fees = _fees(brand.pk)
    return [m.value for m in ONLINE_METHODS if m.value not in fees or fees[m.value].enabled]
