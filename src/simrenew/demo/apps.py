from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "simrenew.demo"
    label = "demo"
