"""Rate-limit budgets: how much of a rule's budget one actor has used in the current window.

One row per (rule, actor), reused window after window: a window opens at the first use after the
previous one ended and lasts the rule's window (a fixed window from the first use, so the time a
refused actor may try again is exact). The actor is stored only as a keyed hash: the table says
how often someone was limited, never who (an address, a phone number or an account).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    rule = models.CharField(
        max_length=48, verbose_name=_("rule")
    )  # throttles.service.Rule.name, e.g. "voucher-pin:screen"
    actor = models.CharField(
        max_length=64, verbose_name=_("actor")
    )  # kit.codes.keyed_hash of who acts (purpose "throttle")
    # Units used in the window that ends at window_ends; at most the rule's limit once committed.
    used = models.PositiveIntegerField(verbose_name=_("used"))
    window_ends = models.DateTimeField(verbose_name=_("window ends at"))

    class Meta:
        verbose_name = _("throttle counter")
        verbose_name_plural = _("throttle counters")
        constraints = [models.UniqueConstraint(fields=["rule", "actor"], name="uniq_throttle_rule_actor")]
        indexes = [models.Index(fields=["window_ends"])]

    def __str__(self) -> str:
        return f"{self.rule} · {self.used} until {self.window_ends:%Y-%m-%d %H:%M}"
