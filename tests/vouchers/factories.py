"""Factories for voucher tests: sold e-PINs paid from a funded retailer float."""

from django.db import transaction

from simrenew.brands.models import Brand
from simrenew.retail import service as retail
from simrenew.vouchers import service
from simrenew.vouchers.service import IssuedPin
from tests.retail.factories import create_retailer


def sell_pin(brand: Brand, value_amount: int = 1500) -> IssuedPin:
    retailer = create_retailer(float_amount=value_amount)
    with transaction.atomic():
        return service.sell_epin(
            brand=brand,
            value_amount=value_amount,
            float_account=retail.float_account(retailer),
            commission_amount=0,
            reference="test",
        )
