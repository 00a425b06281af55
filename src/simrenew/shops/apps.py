from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_groups(sender: AppConfig, **kwargs: object) -> None:
    from simrenew.shops.service import ensure_groups

    ensure_groups()


class ShopsConfig(AppConfig):
    name = "simrenew.shops"
    label = "shops"

    def ready(self) -> None:
        # The staff groups and their permissions exist in every database, after every migrate.
        post_migrate.connect(_ensure_groups, sender=self)
