from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetailConfig(AppConfig):
    name = "simrenew.retail"
    label = "retail"
    verbose_name = _("Retailers")

    def ready(self) -> None:
        from simrenew.reference import cache
        from simrenew.retail.models import CommissionRate, Outlet, OutletTerminal, Retailer

        cache.watch(Retailer, Outlet, OutletTerminal, CommissionRate)
