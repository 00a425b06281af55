from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    name = "simrenew.reference"
    label = "reference"
    verbose_name = _("Reference data")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from django.tasks.signals import task_started

        from simrenew.reference import cache

        # Each job sees reference data at least as fresh as when it started.
        task_started.connect(cache.begin_unit_for_job, dispatch_uid="reference.begin_unit_for_job")
        # After `migrate` or `flush`: start afresh, with the generation row in place.
        post_migrate.connect(cache.after_migrate, sender=self, dispatch_uid="reference.after_migrate")
