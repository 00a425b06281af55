from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "simrenew.web"
    label = "web"
