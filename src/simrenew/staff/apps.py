from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from simrenew.staff.service import sync_roles

    # The project's models, not the migration state handed to the signal: apps without migrations
    # are missing from that state. Not strict: a migrate back to an earlier state may lack models.
    sync_roles(using=using, strict=False)


class StaffConfig(AppConfig):
    name = "simrenew.staff"
    label = "staff"
    verbose_name = _("Staff roles and two-factor authentication")

    def ready(self) -> None:
        # The role groups hold their permissions in every database after every migrate (and after a
        # test's flush, which empties the groups): new models' permissions reach the Administrator.
        post_migrate.connect(_sync_roles, sender=self)
