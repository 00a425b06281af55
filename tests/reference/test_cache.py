"""Reference data kept per process: loaded once per generation, reloaded after any change, in this
process at once and in the others at their next request or job."""

import pytest
from django.db import transaction

from simrenew.brands.models import PaymentMethod, PaymentMethodFee
from simrenew.brands.queries import method_fee
from simrenew.reference import cache
from simrenew.reference.models import Generation
from tests.factories import create_brand

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_value_is_loaded_once_per_unit_and_generation(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    loads: list[int] = []
    cache.begin_unit()
    with django_assert_num_queries(1):  # the generation, once
        assert cache.cached("answer", lambda: loads.append(1) or 42) == 42
        assert cache.cached("answer", lambda: loads.append(1) or 42) == 42
    assert loads == [1]
    cache.begin_unit()
    with django_assert_num_queries(1):  # the next request checks the generation again, loads nothing
        assert cache.cached("answer", lambda: loads.append(1) or 42) == 42
    assert loads == [1]


def test_another_process_changing_reference_data_is_seen_at_the_next_unit() -> None:
    cache.begin_unit()
    assert cache.cached("k", lambda: "old") == "old"
    Generation.objects.filter(pk=1).update(value=999)  # what a bump in another process leaves behind
    cache.begin_unit()
    assert cache.cached("k", lambda: "new") == "new"


def test_a_back_office_change_takes_effect_on_the_next_sale() -> None:
    brand = create_brand(fees={PaymentMethod.PAYPAL: (35, 0)})
    cache.begin_unit()
    assert method_fee(brand=brand, method=PaymentMethod.PAYPAL, price_amount=1000) == 35
    before = Generation.objects.get(pk=1).value
    with transaction.atomic():
        fee = PaymentMethodFee.objects.get(brand=brand, method=PaymentMethod.PAYPAL)
        fee.fixed_amount = 50
        fee.save()
    assert Generation.objects.get(pk=1).value == before + 1
    cache.begin_unit()
    assert method_fee(brand=brand, method=PaymentMethod.PAYPAL, price_amount=1000) == 50


def test_a_change_rolled_back_moves_nothing() -> None:
    brand = create_brand(fees={PaymentMethod.PAYPAL: (35, 0)})
    before = Generation.objects.get(pk=1).value
    with pytest.raises(RuntimeError), transaction.atomic():
        PaymentMethodFee.objects.filter(brand=brand).update(fixed_amount=1)
        PaymentMethodFee.objects.get(brand=brand).save()
        raise RuntimeError("the admin form failed")
    assert Generation.objects.get(pk=1).value == before
    cache.begin_unit()
    assert method_fee(brand=brand, method=PaymentMethod.PAYPAL, price_amount=1000) == 35
