from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "simrenew.support"
    label = "support"
