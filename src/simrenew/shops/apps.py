from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "simrenew.shops"
    label = "shops"
