from django.apps import AppConfig


class BrandsConfig(AppConfig):
    name = "simrenew.brands"
    label = "brands"
