from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerminalsConfig(AppConfig):
    name = "simrenew.terminals"
    label = "terminals"
    verbose_name = _("Terminals")

    def ready(self) -> None:
        from simrenew.reference import cache
        from simrenew.terminals.models import Terminal

        cache.watch(Terminal)
