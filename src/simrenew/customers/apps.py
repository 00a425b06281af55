from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "simrenew.customers"
    label = "customers"
    verbose_name = _("Customers")
