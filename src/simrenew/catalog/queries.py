"""Catalogue reads for pages and APIs."""

from django.db.models import QuerySet

from simrenew.brands.models import Brand
from simrenew.catalog.models import Product, ProductKind


def bundles_for(brand: Brand) -> QuerySet[Product]:
    return Product.objects.filter(brand=brand, kind=ProductKind.BUNDLE, active=True).order_by(
        "position", "price_amount"
    )


def topup_product_for(brand: Brand) -> Product | None:
    return Product.objects.filter(brand=brand, kind=ProductKind.TOPUP, active=True).first()
