from django.apps import AppConfig


class RetailConfig(AppConfig):
    name = "simrenew.retail"
    label = "retail"
