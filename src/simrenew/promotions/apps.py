from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "simrenew.promotions"
    label = "promotions"
    verbose_name = _("Promotions")

    def ready(self) -> None:
        from simrenew.promotions.models import Promotion
        from simrenew.reference import cache

        cache.watch(Promotion)
