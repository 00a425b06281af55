from django.apps import AppConfig


class TerminalsConfig(AppConfig):
    name = "simrenew.terminals"
    label = "terminals"

    def ready(self) -> None:
        from simrenew.reference import cache
        from simrenew.terminals.models import Terminal

        cache.watch(Terminal)
