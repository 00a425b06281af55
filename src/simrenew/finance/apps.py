from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "simrenew.finance"
    label = "finance"
