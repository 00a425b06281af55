from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "simrenew.sandbox"
    label = "sandbox"
