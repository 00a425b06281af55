from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BrandsConfig(AppConfig):
    name = "simrenew.brands"
    label = "brands"
    verbose_name = _("Brands")

    def ready(self) -> None:
        from simrenew.brands.models import Brand, PaymentMethodFee
        from simrenew.reference import cache

        cache.watch(Brand, PaymentMethodFee)
