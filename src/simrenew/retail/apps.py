from django.apps import AppConfig


class RetailConfig(AppConfig):
    name = "simrenew.retail"
    label = "retail"

    def ready(self) -> None:
        from simrenew.reference import cache
        from simrenew.retail.models import CommissionRate, Outlet, OutletTerminal, Retailer

        cache.watch(Retailer, Outlet, OutletTerminal, CommissionRate)
