from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "simrenew.orders"
    label = "orders"
