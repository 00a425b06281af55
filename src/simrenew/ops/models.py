from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckRun(models.Model):
    """The last run of one periodic check (e.g. "ledger_verify"): when, whether it passed, what it said.

    One row per check, overwritten by each run: /metrics exports its age and result, so an alert fires
    when a check fails or stops running.
    """

    name = models.CharField(max_length=64, unique=True)
    ran_at = models.DateTimeField()
    ok = models.BooleanField()
    duration_ms = models.PositiveIntegerField(default=0)
    detail = models.TextField(blank=True)

    class Meta:
        verbose_name = _("check run")
        verbose_name_plural = _("check runs")

    def __str__(self) -> str:
        return f"{self.name}: {'ok' if self.ok else 'FAILED'} at {self.ran_at:%Y-%m-%d %H:%M:%S}"
