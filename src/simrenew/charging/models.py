"""Real-time charging: out-of-bundle rates per brand, the network clients that ask, their charging
sessions, the units each session holds (reservations), and the usage settled.

A reservation is a hold, not money moved: the ledger sees only what is used, when it is settled.
What a line can still be granted is its balance (bundle allowance, bonus, paid credit) less what its
open sessions hold; the line's row lock (lines.service.lock_line) serialises every decision on it.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from simrenew.brands.models import Brand
from simrenew.lines.models import BundlePeriod, Line

MB_BYTES = 1024 * 1024  # bundles count data in MB of 1024 x 1024 bytes (1 GB = 1024 MB)


class RatingGroup(models.IntegerChoices):
    """The services the network asks for, by 3GPP rating group number, and the unit each counts in."""

    DATA = 10, _("Data")
    VOICE = 20, _("Calls")
    SMS = 30, _("SMS")
    ROAMING_EU = 40, _("EU roaming data")


class Rate(models.Model):
    """What a brand charges out of bundle for a rating group, from `valid_from` on (the row with the
    latest `valid_from` not after the moment of use applies). Prices include VAT.

    ROAMING_EU: within `fair_use_units` a month, roaming data is charged as at home (the bundle's data,
    then the DATA rate); beyond, at this row's price from credit.
    """

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+", verbose_name=_("brand"))
    rating_group = models.PositiveSmallIntegerField(
        choices=RatingGroup.choices,
        verbose_name=_("rating group"),
        help_text=_("Data and EU roaming data count in bytes, calls in seconds, SMS in messages."),
    )
    valid_from = models.DateTimeField(
        verbose_name=_("valid from"),
        help_text=_("The rate applies from this moment until a later version of it starts."),
    )
    # `price_amount` cents (VAT included) per `per_units` units: bytes, seconds or events.
    price_amount = models.BigIntegerField(
        verbose_name=_("price (cents)"),
        help_text=_("Euro cents, VAT included, for the number of units below: 8 is €0.08."),
    )
    per_units = models.BigIntegerField(
        verbose_name=_("for how many units"),
        help_text=_("Bytes for data (1048576 is 1 MB), seconds for calls (60 is a minute), messages for SMS (1)."),
    )
    # Used units are rounded up to a multiple of this per session: 1 s (per-second billing) or 60 s
    # (per-minute) for calls, 1 for SMS, e.g. 1024 bytes for data.
    rounding_units = models.PositiveIntegerField(
        default=1,
        verbose_name=_("rounded up to a multiple of"),
        help_text=_(
            "A session's use is rounded up to a multiple of this: 1024 bytes for data, 1 or 60 seconds for "
            "calls, 1 for SMS."
        ),
    )
    # ROAMING_EU only: bytes a month at home rates (NULL: no limit).
    fair_use_units = models.BigIntegerField(
        null=True,
        blank=True,
        verbose_name=_("fair use a month"),
        help_text=_("EU roaming data only: bytes a month charged as at home; empty for no limit."),
    )
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
        ordering = ["brand", "rating_group", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "rating_group", "valid_from"], name="uniq_rate_version"),
            models.CheckConstraint(
                condition=Q(price_amount__gte=0) & Q(per_units__gt=0) & Q(rounding_units__gt=0),
                name="rate_sane",
            ),
        ]

    def __str__(self) -> str:
        # The brand's code when the brand is loaded with the rate (the admin selects it), else its id:
        # a rate printed where brands are not loaded must not cost a query.
        brand = self.brand.code if Rate.brand.is_cached(self) else f"#{self.brand_id}"
        return gettext("%(brand)s %(rating_group)s from %(moment)s") % {
            "brand": brand,
            "rating_group": self.get_rating_group_display(),
            "moment": f"{timezone.localtime(self.valid_from):%Y-%m-%d %H:%M}",
        }


class NetworkClient(models.Model):
    """A network function (SMF, IMS, SMSF) that asks for charging. Signs its requests like a terminal
    (terminals.signing) with its own key."""

    key_id = models.CharField(max_length=40, unique=True, verbose_name=_("key ID"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    # The HMAC secret, encrypted with settings.TERMINAL_SECRET_KEYS (terminals.sealing).
    secret_sealed = models.TextField()
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("network client")
        verbose_name_plural = _("network clients")
        ordering = ["key_id"]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.name})"


class ClientNonce(models.Model):
    """A request nonce a network client used: the unique constraint refuses a replayed request."""

    client = models.ForeignKey(NetworkClient, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("network client nonce")
        verbose_name_plural = _("network client nonces")
        constraints = [models.UniqueConstraint(fields=["client", "nonce"], name="uniq_network_client_nonce")]


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RELEASED = "released", _("Released")
    EXPIRED = "expired", _("Expired")


class ChargingSession(models.Model):
    """One charging session of the network (a data session, a call, an SMS): `ref` is its charging
    data reference in the API."""

    ref = models.CharField(max_length=40, unique=True, verbose_name=_("charging data reference"))
    client = models.ForeignKey(
        NetworkClient, on_delete=models.PROTECT, related_name="+", verbose_name=_("network client")
    )
    # The client's own key for the create request (Idempotency-Key): a create sent twice is one session.
    client_key = models.CharField(max_length=100, verbose_name=_("client's idempotency key"))
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+", verbose_name=_("line"))
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN, verbose_name=_("status")
    )
    # The last invocationSequenceNumber accepted; the next must be one more.
    sequence = models.PositiveBigIntegerField(verbose_name=_("sequence number"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"))
    # An open session not heard of by then has stopped reporting: its holds no longer count, and the
    # sweep (`simrenew charging expire`) closes it.
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("charging session")
        verbose_name_plural = _("charging sessions")
        constraints = [models.UniqueConstraint(fields=["client", "client_key"], name="uniq_session_client_key")]
        indexes = [
            models.Index(fields=["expires_at"], name="charging_open_expiry", condition=Q(status=SessionStatus.OPEN))
        ]

    def __str__(self) -> str:
        return self.ref


class Invocation(models.Model):
    """The answer to each accepted request of a session, kept so that a request sent again (same
    sequence number, same body) gets the same answer."""

    session = models.ForeignKey(ChargingSession, on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveBigIntegerField()
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("charging request")
        verbose_name_plural = _("charging requests")
        constraints = [models.UniqueConstraint(fields=["session", "sequence"], name="uniq_invocation_sequence")]


class Mode(models.TextChoices):
    HOME = "home", _("At home rates")
    SURCHARGE = "surcharge", _("Roaming beyond fair use")


class Reservation(models.Model):
    """What one session holds for one rating group, and the running totals its rounding and cents are
    taken on (per session, per rate: a new rate starts new totals).

    Invariant, under the line's lock: for a line, the sums of `bonus_amount` and `credit_amount` over its
    reservations still counting (`expires_at` in the future) never exceed the bonus and credit balances;
    the sum of `allowance_units` on a period never exceeds what is left of that allowance.
    """

    session = models.ForeignKey(ChargingSession, on_delete=models.CASCADE, related_name="reservations")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    rating_group = models.PositiveSmallIntegerField(choices=RatingGroup.choices, verbose_name=_("rating group"))
    # Held now: units granted, and what covers them: a bundle's allowance, then bonus, then paid credit.
    granted_units = models.BigIntegerField(default=0, verbose_name=_("units granted"))
    period = models.ForeignKey(BundlePeriod, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    allowance_units = models.BigIntegerField(default=0, verbose_name=_("units from the bundle"))
    bonus_amount = models.BigIntegerField(default=0, verbose_name=_("bonus credit"))
    credit_amount = models.BigIntegerField(default=0, verbose_name=_("paid credit"))
    expires_at = models.DateTimeField()
    # The totals of the current rate: units used as reported, billable (rounded up), charged out of
    # bundle, and cents charged for those.
    rate = models.ForeignKey(Rate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.HOME)
    used_units = models.BigIntegerField(default=0)
    billable_units = models.BigIntegerField(default=0)
    charged_units = models.BigIntegerField(default=0)
    charged_amount = models.BigIntegerField(default=0, verbose_name=_("amount charged"))

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.UniqueConstraint(fields=["session", "rating_group"], name="uniq_reservation_group"),
            models.CheckConstraint(
                condition=Q(granted_units__gte=0)
                & Q(allowance_units__gte=0)
                & Q(bonus_amount__gte=0)
                & Q(credit_amount__gte=0),
                name="reservation_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["line", "expires_at"], name="reservation_line_expiry")]

    def __str__(self) -> str:
        return f"{self.session_id} {self.rating_group}: {self.granted_units}"


class AllowanceCarry(models.Model):
    """Data (bytes) and call time (seconds) used of a period's next MB or minute, not yet taken off its
    `data_mb_left` / `voice_minutes_left` (which count whole MB and minutes)."""

    period = models.OneToOneField(BundlePeriod, primary_key=True, on_delete=models.CASCADE, related_name="+")
    data_bytes = models.BigIntegerField(default=0)
    voice_seconds = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("allowance carry-over")
        verbose_name_plural = _("allowance carry-overs")


class Usage(models.Model):
    """Usage settled: one row per rating group each time a session reports, append-only. The account
    pages' usage per day and history read these."""

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(ChargingSession, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(BundlePeriod, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rating_group = models.PositiveSmallIntegerField(choices=RatingGroup.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.HOME)
    at = models.DateTimeField()
    # Billable units (rounded), of which from the bundle; and the cents charged from bonus and credit.
    units = models.BigIntegerField()
    allowance_units = models.BigIntegerField()
    bonus_amount = models.BigIntegerField()
    credit_amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        indexes = [
            models.Index(fields=["line", "at"], name="usage_line_at"),
            models.Index(fields=["period", "at"], name="usage_period_at"),
        ]

    @property
    def amount(self) -> int:
        return self.bonus_amount + self.credit_amount
