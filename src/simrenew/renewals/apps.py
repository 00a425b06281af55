from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "simrenew.renewals"
    label = "renewals"
