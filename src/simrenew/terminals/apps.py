from django.apps import AppConfig


class TerminalsConfig(AppConfig):
    name = "simrenew.terminals"
    label = "terminals"
