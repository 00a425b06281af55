"""Terminals that call our APIs on their own (retail POS, kiosks, the SMS gateway), their used
request nonces, and the stored answers to idempotent calls (theirs, and forms on the staff and
kiosk pages)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TerminalKind(models.TextChoices):
    POS = "pos", _("Point of sale")
    KIOSK = "kiosk", _("Kiosk")
    SMS_GATEWAY = "sms_gateway", _("SMS gateway")


class Terminal(models.Model):
    # The public half of the credentials, sent in X-Terminal-Id (e.g. `T-7KQ2MX9P`).
    key_id = models.CharField(max_length=40, unique=True, verbose_name=_("key ID"))
    kind = models.CharField(max_length=16, choices=TerminalKind.choices, verbose_name=_("kind"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    # The HMAC secret, encrypted with settings.TERMINAL_SECRET_KEYS (terminals.sealing). HMAC needs
    # the secret itself to verify a signature, so it cannot be stored as a one-way hash.
    secret_sealed = models.TextField()
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")
        ordering = ["key_id"]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.name})"


class UsedNonce(models.Model):
    """A nonce a terminal has used. The unique constraint is what refuses a replayed request; rows
    older than twice the allowed clock skew can go (a request that old is refused as stale anyway)."""

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("used nonce")
        verbose_name_plural = _("used nonces")
        constraints = [models.UniqueConstraint(fields=["terminal", "nonce"], name="uniq_terminal_nonce")]


class IdempotentCall(models.Model):
    """The answer to a mutating call or a submitted form, kept so that a replay with the same key gets
    the first answer (terminals.idempotency). The body is sealed: it may hold an e-voucher PIN, which
    is never stored in clear."""

    # Whose keys these are, so that two callers never share one: `terminal:<id>` for an API caller,
    # `user:<id>` for a staff page, `kiosk-device:<id>` for a kiosk screen.
    scope = models.CharField(max_length=64)
    # The API caller, for terminal keys (empty for pages).
    terminal = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # sha256 of what was asked (method, path and body; a form's fields): the same key with another
    # request is refused.
    request_hash = models.CharField(max_length=64)
    # PENDING (0) while work that runs outside the key's transaction (a card charge) is under way.
    status_code = models.PositiveSmallIntegerField()
    body_sealed = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("idempotent call")
        verbose_name_plural = _("idempotent calls")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="uniq_idempotency_scope_key")]
