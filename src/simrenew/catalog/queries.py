"""Catalogue reads for pages and APIs. Active products are kept per process (simrenew.reference):
the catalogue changes in the back office, and every sale reads it."""

from django.db.models import QuerySet

from simrenew.brands.models import Brand
from simrenew.catalog.models import Product, ProductKind
from simrenew.reference import cache


def bundles_for(brand: Brand) -> QuerySet[Product]:
    return Product.objects.filter(brand=brand, kind=ProductKind.BUNDLE, active=True).order_by(
        "position", "price_amount"
    )


def _active_products(brand_id: int) -> dict[str, Product]:
    """The brand's active products by code (the first top-up product also under the key "")."""

    def load() -> dict[str, Product]:
        products = list(Product.objects.select_related("brand").filter(brand_id=brand_id, active=True))
        by_code = {product.code: product for product in products}
        topups = [product for product in products if product.kind == ProductKind.TOPUP]
        if topups:
            by_code[""] = topups[0]
        return by_code

    return cache.cached(f"active-products:{brand_id}", load)


def topup_product_for(brand: Brand) -> Product | None:
    return _active_products(brand.pk).get("")


def active_product(brand: Brand, code: str) -> Product | None:
    """The brand's active product with this code (None for an unknown or retired one)."""
    return _active_products(brand.pk).get(code) if code else None


def current_product(product_id: int, brand_id: int) -> Product | None:
    """The product as it stands now, if still active (what a quote is re-checked against)."""
    return next((p for p in _active_products(brand_id).values() if p.pk == product_id), None)
