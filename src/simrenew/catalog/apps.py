from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "simrenew.catalog"
    label = "catalog"

    def ready(self) -> None:
        from simrenew.catalog.models import Product
        from simrenew.reference import cache

        cache.watch(Product)
