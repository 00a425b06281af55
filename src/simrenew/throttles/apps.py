from django.apps import AppConfig


class ThrottlesConfig(AppConfig):
    name = "simrenew.throttles"
    label = "throttles"
