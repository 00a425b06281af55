"""The catalogue a visitor can compare: the home page and a page per brand show each bundle's price,
data, minutes, SMS and validity, the promotions running now with their terms, in the visitor's
language; each bundle's button opens checkout with it chosen. Promotions that need a code, have
ended, or spent their budget are not advertised."""

from datetime import timedelta
from html import unescape

import pytest

from simrenew.kit import clock
from simrenew.kit.money import format_money
from simrenew.promotions.models import Promotion, PromotionKind, PromotionStatus
from tests.factories import create_brand, create_bundle, create_topup_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand():
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand, amounts=[1000, 1500])
    return brand


@pytest.fixture
def bundle(brand):
    return create_bundle(
        brand,
        code="base-15",
        price_amount=1500,
        data_mb=10240,
        voice_minutes=None,
        sms_count=100,
        validity_days=30,
        names={"en": "BASE 15", "nl": "BASE Vijftien"},
    )


def promotion(code: str, brand, **fields) -> Promotion:
    defaults = {
        "names": {"en": f"{code} offer", "nl": f"{code} actie"},
        "kind": PromotionKind.BUNDLE_DISCOUNT,
        "status": PromotionStatus.ACTIVE,
        "brand": brand,
        "starts_at": clock.now() - timedelta(days=1),
        "percent_bp": 2000,
    }
    return Promotion.objects.create(code=code, **{**defaults, **fields})


def page_text(response) -> str:
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_home_page_shows_each_bundle_with_what_it_gives_and_a_way_into_checkout(client, bundle):
    html = page_text(client.get("/en/"))
    for shown in ("BASE 15", "€15.00", "10 GB", "unlimited calls", "100 SMS", "30 days"):
        assert shown in html, shown
    assert f'href="/en/topup/?product={bundle.pk}"' in html
    assert 'href="/en/brands/base/"' in html
    assert 'action="/en/topup/"' in html  # the number can be typed on the home page


def test_running_promotions_show_with_their_terms_and_others_do_not(client, brand, bundle):
    promotion("autumn", brand, per_line_limit=1, ends_at=clock.now() + timedelta(days=30))
    promotion("secret", brand, promo_code="SECRET")
    promotion("over", brand, starts_at=clock.now() - timedelta(days=9), ends_at=clock.now() - timedelta(days=1))
    promotion("spent", brand, budget_amount=1000, spent_amount=1000)
    promotion("draft", brand, status=PromotionStatus.DRAFT)
    promotion("bonus", brand, kind=PromotionKind.TOPUP_BONUS, percent_bp=0, bonus_amount=500, min_topup_amount=1500)
    html = page_text(client.get("/en/brands/base/"))
    assert "autumn offer" in html
    assert "20% off; once per line; until " in html
    assert "bonus offer" in html
    assert "€5.00 bonus credit; on a top-up of €15.00 or more; bonus valid 31 days" in html
    for hidden in ("secret offer", "over offer", "spent offer", "draft offer"):
        assert hidden not in html, hidden


def test_the_catalogue_speaks_the_visitors_language(client, bundle):
    html = page_text(client.get("/nl/brands/base/"))
    assert "BASE Vijftien" in html
    assert format_money(1500, "EUR", "nl") in html
    assert f'href="/nl/topup/?product={bundle.pk}"' in html


def test_an_unknown_brand_has_no_page(client, brand):
    assert client.get("/en/brands/nope/").status_code == 404


def test_the_home_page_catalogue_costs_the_same_queries_for_one_brand_or_four(client, django_assert_max_num_queries):
    for number in range(4):
        brand = create_brand(code=f"brand-{number}")
        create_bundle(brand)
        create_topup_product(brand)
    with django_assert_max_num_queries(8):
        assert client.get("/en/").status_code == 200
