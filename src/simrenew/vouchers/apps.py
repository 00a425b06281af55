from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "simrenew.vouchers"
    label = "vouchers"
