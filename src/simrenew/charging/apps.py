from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChargingConfig(AppConfig):
    name = "simrenew.charging"
    label = "charging"
    verbose_name = _("Charging")

    def ready(self) -> None:
        from simrenew.charging.models import NetworkClient
        from simrenew.reference import cache

        cache.watch(NetworkClient)  # kept per process by the API's authentication
