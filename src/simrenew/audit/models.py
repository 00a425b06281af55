"""The audit log: who did what to which thing, when and from where. Append-only."""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """A programming error: audit entries are never changed or deleted."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("audit entries are never updated")

    def delete(self) -> NoReturn:
        raise AppendOnly("audit entries are never deleted")


class AuditEntry(models.Model):
    # Who: a logged-in person, a terminal (its public key id; audit sits below terminals, so no
    # foreign key), or neither for an anonymous caller. `actor` is the readable form kept for ever,
    # even when the user or terminal is later removed.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    terminal = models.CharField(max_length=40, blank=True, db_index=True, verbose_name=_("terminal"))
    actor = models.CharField(max_length=160, blank=True, verbose_name=_("actor"))
    action = models.CharField(max_length=64, db_index=True, verbose_name=_("action"))
    # What it was done to, as `kind:id` (e.g. `line:42`, `sale:PS-7KQ2`).
    target = models.CharField(max_length=96, blank=True, db_index=True, verbose_name=_("target"))
    ip_address = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    created_at = models.DateTimeField(db_index=True, verbose_name=_("created at"))

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor or '-'} {self.action} {self.target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("audit entries are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("audit entries are never deleted")
