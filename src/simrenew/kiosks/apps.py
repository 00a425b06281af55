from django.apps import AppConfig


class KiosksConfig(AppConfig):
    name = "simrenew.kiosks"
    label = "kiosks"
