from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "simrenew.promotions"
    label = "promotions"
