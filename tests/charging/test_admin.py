"""The back office: rates are added as new versions from now on; one in force is never edited."""

from datetime import timedelta

import pytest

from simrenew.charging.models import Rate
from simrenew.kit import clock
from tests.charging.helpers import create_rates
from tests.factories import create_brand

pytestmark = pytest.mark.django_db
ADD = "/en/admin/charging/rate/add/"


def form(brand, valid_from):
    return {
        "brand": brand.pk,
        "rating_group": 10,
        "valid_from_0": valid_from.strftime("%Y-%m-%d"),
        "valid_from_1": valid_from.strftime("%H:%M:%S"),
        "price_amount": 15,
        "per_units": 1048576,
        "rounding_units": 1024,
        "currency": "EUR",
    }


def test_a_new_rate_version_from_a_later_moment(admin_client):
    brand = create_brand()
    answer = admin_client.post(ADD, form(brand, clock.now() + timedelta(days=2)))
    assert answer.status_code == 302
    assert Rate.objects.filter(brand=brand, price_amount=15).count() == 1


def test_a_rate_from_the_past_is_refused_and_nothing_is_saved(admin_client):
    brand = create_brand()
    answer = admin_client.post(ADD, form(brand, clock.now() - timedelta(days=2)))
    assert answer.status_code == 200
    assert "never from the past" in answer.content.decode()
    assert Rate.objects.filter(brand=brand).count() == 0


def test_a_rate_in_force_is_read_only(admin_client):
    rates = create_rates(create_brand())
    page = admin_client.get(f"/en/admin/charging/rate/{rates[10].pk}/change/")
    assert page.status_code == 200
    assert 'name="price_amount"' not in page.content.decode()
    for url in ("/en/admin/charging/chargingsession/", "/en/admin/charging/networkclient/"):
        assert admin_client.get(url).status_code == 200
