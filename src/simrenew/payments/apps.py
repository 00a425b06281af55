from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "simrenew.payments"
    label = "payments"
