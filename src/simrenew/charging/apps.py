from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChargingConfig(AppConfig):
    name = "simrenew.charging"
    label = "charging"
    verbose_name = _("Charging")

    def ready(self) -> None:
        from simrenew.charging.models import NetworkClient, Rate
        from simrenew.reference import cache

        cache.watch(NetworkClient)  # kept per process by the API's authentication
        cache.watch(Rate)  # a brand's rate versions, kept per process by the charging decisions
