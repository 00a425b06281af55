"""One row: the generation of the reference data. A change to any watched table adds one to it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Generation(models.Model):
    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("reference data version")
        verbose_name_plural = _("reference data versions")

    def __str__(self) -> str:
        return f"reference data generation {self.value}"
