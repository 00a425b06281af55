from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "simrenew.customers"
    label = "customers"
