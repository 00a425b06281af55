from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "simrenew.payouts"
    label = "payouts"
    verbose_name = "Leftover credit payouts"
