from django.apps import AppConfig


class BrandsConfig(AppConfig):
    name = "simrenew.brands"
    label = "brands"

    def ready(self) -> None:
        from simrenew.brands.models import Brand, PaymentMethodFee
        from simrenew.reference import cache

        cache.watch(Brand, PaymentMethodFee)
