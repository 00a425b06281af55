from django.apps import AppConfig


class LinesConfig(AppConfig):
    name = "simrenew.lines"
    label = "lines"
