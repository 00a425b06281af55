from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "simrenew.promotions"
    label = "promotions"

    def ready(self) -> None:
        from simrenew.promotions.models import Promotion
        from simrenew.reference import cache

        cache.watch(Promotion)
