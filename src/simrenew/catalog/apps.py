from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "simrenew.catalog"
    label = "catalog"
    verbose_name = _("Bundles")

    def ready(self) -> None:
        from simrenew.catalog.models import Product
        from simrenew.reference import cache

        cache.watch(Product)
