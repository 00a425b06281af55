from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "simrenew.web"
    label = "web"

    def ready(self) -> None:
        # Registers the production checks (unsafe settings stop every command and the server).
        from simrenew import checks  # noqa: F401
