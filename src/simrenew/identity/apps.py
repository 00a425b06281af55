from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "simrenew.identity"
    label = "identity"
