"""Self-service kiosks in stations, airports and malls: the kiosk, the cash it takes, its sales,
and balance checks by SMS code.

A kiosk's cash box is the ledger account `kiosk:{id}:cash` (kind shop_cash); card payments on
its terminal go to `kiosk:{id}:card`. The kiosk gives no change: every cent inserted in a cash
session ends up credited to the session's line. The kiosk pages open only on an enrolled screen
(KioskDevice), enrolled with a one-time code staff issue (EnrolmentCode).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kiosk(models.Model):
    code = models.SlugField(max_length=48, unique=True, verbose_name=_("code"))  # in its URL: /<lang>/kiosk/<code>/
    name = models.CharField(max_length=120, verbose_name=_("name"))
    location = models.CharField(max_length=200, blank=True, verbose_name=_("location"))
    # The location as other languages say it, by language code ({"nl": "…", "zh-hans": "…"}): the start
    # screen and the receipt speak the customer's language; `location` stands in for any not given.
    locations = models.JSONField(
        default=dict,
        blank=True,
        verbose_name=_("location in other languages"),
        help_text=_(
            'By language code, e.g. {"nl": "Stationshal, bij de ticketautomaten"}; the location above is shown '
            "for any language not given."
        ),
    )
    primary_colour = models.CharField(max_length=7, default="#1f3a93", verbose_name=_("primary colour"))
    accent_colour = models.CharField(max_length=7, default="#f5a623", verbose_name=_("accent colour"))
    # The language the start screen shows after an idle reset, for the next customer.
    default_language = models.CharField(max_length=8, default="en", verbose_name=_("default language"))
    # The Mollie card terminal built into the kiosk (PAYMENT_TERMINAL=mollie); none: no card here.
    card_terminal = models.ForeignKey(
        "payments.CardTerminal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kiosks",
        verbose_name=_("card terminal"),
    )
    # The API credentials of a kiosk with its own UI (terminals.Terminal of kind kiosk).
    terminal = models.OneToOneField(
        "terminals.Terminal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kiosk",
        verbose_name=_("terminal"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def cash_account_code(self) -> str:
        return f"kiosk:{self.pk}:cash"

    @property
    def card_account_code(self) -> str:
        return f"kiosk:{self.pk}:card"

    def location_in(self, language: str) -> str:
        """Where the kiosk stands, in `language` when given for it, else as `location` says it."""
        given = self.locations.get(language) if isinstance(self.locations, dict) else None
        return str(given) if given else self.location


class Purpose(models.TextChoices):
    TOPUP = "topup", _("Top-up")
    BUNDLE = "bundle", _("Bundle renewal")


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Taking cash")
    SETTLED = "settled", _("Credited")
    CANCELLED = "cancelled", _("Cancelled before any cash")


class CashSession(models.Model):
    """One customer's cash at the kiosk, for one line. Once any cash is in, the session can only
    end by crediting it (a customer who walks away is credited too, as a top-up)."""

    token = models.CharField(max_length=32, unique=True, verbose_name=_("token"))  # the public id in URLs and the API
    kiosk = models.ForeignKey(Kiosk, on_delete=models.PROTECT, related_name="cash_sessions", verbose_name=_("kiosk"))
    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="+", verbose_name=_("line"))
    purpose = models.CharField(max_length=8, choices=Purpose.choices, verbose_name=_("purpose"))
    # The bundle being bought (purpose bundle); top-ups use the brand's top-up product.
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN, verbose_name=_("status")
    )
    inserted_amount = models.BigIntegerField(
        default=0, verbose_name=_("cash inserted")
    )  # the sum of its insertions, cents
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    language = models.CharField(max_length=8, default="en", verbose_name=_("language"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    settled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("settled at"))

    class Meta:
        verbose_name = _("cash session")
        verbose_name_plural = _("cash sessions")
        indexes = [models.Index(fields=["kiosk", "status"])]
        constraints = [models.CheckConstraint(condition=models.Q(inserted_amount__gte=0), name="cash_not_negative")]

    def __str__(self) -> str:
        return self.token


class CashInsertion(models.Model):
    """A note or coin the acceptor took, as it reported it. Append-only."""

    session = models.ForeignKey(CashSession, on_delete=models.PROTECT, related_name="insertions")
    amount = models.BigIntegerField()
    kind = models.CharField(max_length=4)  # note or coin
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("cash insertion")
        verbose_name_plural = _("cash insertions")


class KioskSale(models.Model):
    """A renewal or top-up sold by a kiosk, paid by card or from a cash session."""

    kiosk = models.ForeignKey(Kiosk, on_delete=models.PROTECT, related_name="sales", verbose_name=_("kiosk"))
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="kiosk_sale", verbose_name=_("order")
    )
    method = models.CharField(max_length=16, verbose_name=_("payment method"))
    amount = models.BigIntegerField(verbose_name=_("amount"))
    cash_session = models.ForeignKey(
        CashSession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sales",
        verbose_name=_("cash session"),
    )
    terminal_reference = models.CharField(max_length=64, blank=True, verbose_name=_("terminal reference"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("kiosk sale")
        verbose_name_plural = _("kiosk sales")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One charge on the kiosk's card terminal pays for one sale, however often it is reported.
            models.UniqueConstraint(
                fields=["kiosk", "terminal_reference"],
                condition=~models.Q(terminal_reference=""),
                name="uniq_kiosk_terminal_reference",
            )
        ]


class BalanceCheck(models.Model):
    """A balance check: a one-time code sent by SMS to the line (stored as a keyed hash only)."""

    token = models.CharField(max_length=32, unique=True)
    kiosk = models.ForeignKey(Kiosk, on_delete=models.PROTECT, related_name="balance_checks")
    line = models.ForeignKey("lines.Line", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("balance check")
        verbose_name_plural = _("balance checks")
        indexes = [models.Index(fields=["line", "created_at"]), models.Index(fields=["kiosk", "created_at"])]


class KioskDevice(models.Model):
    """A screen enrolled to show one kiosk's pages (several screens per kiosk may be). The screen
    keeps a random credential in a signed cookie; only its keyed hash is stored here, so a copy of
    the database opens no kiosk, and revoking the row shuts the screen out at its next request."""

    kiosk = models.ForeignKey(Kiosk, on_delete=models.CASCADE, related_name="devices", verbose_name=_("kiosk"))
    credential_hash = models.CharField(max_length=64, unique=True)
    # What staff see in the device list: the browser that enrolled, and from where.
    label = models.CharField(max_length=200, blank=True, verbose_name=_("label"))
    enrolled_from = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("enrolled from (IP address)"))
    enrolled_at = models.DateTimeField(verbose_name=_("enrolled at"))
    # Refreshed at most once a day (with the cookie), not on every request.
    last_seen_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last seen at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("kiosk screen")
        verbose_name_plural = _("kiosk screens")
        ordering = ["kiosk", "-enrolled_at"]

    def __str__(self) -> str:
        return f"{self.kiosk} · #{self.pk}"

    @property
    def in_service(self) -> bool:
        return self.revoked_at is None


class EnrolmentCode(models.Model):
    """A one-time code staff issue to enrol a screen as a kiosk: shown once, stored as a keyed hash,
    valid for settings.KIOSK_ENROLMENT_CODE_MINUTES, used by at most one screen."""

    kiosk = models.ForeignKey(Kiosk, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Set, with the screen it enrolled, by the one request that used the code.
    used_at = models.DateTimeField(null=True, blank=True)
    device = models.OneToOneField(KioskDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")


class CashDevice(models.Model):
    """A cash acceptor in a kiosk, as its device service (`simrenew cashbox run`) last saw it. The
    kiosk offers cash only while its device service reports the acceptor in service."""

    kiosk = models.ForeignKey(Kiosk, on_delete=models.PROTECT, related_name="cash_devices")
    port = models.CharField(max_length=200)  # e.g. /dev/ttyUSB0
    protocol = models.CharField(max_length=16, default="essp")
    firmware = models.CharField(max_length=16, blank=True)
    # The note values (cents) the device reported, channel 1 first.
    channels = models.JSONField(default=list)
    currency = models.CharField(max_length=3, default="EUR")
    in_service = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("cash device")
        verbose_name_plural = _("cash devices")
        constraints = [models.UniqueConstraint(fields=["kiosk", "port"], name="uniq_cash_device_port")]

    def __str__(self) -> str:
        return f"{self.kiosk} · {self.port}"


class CashBoxEventKind(models.TextChoices):
    """What happened at a kiosk's cash acceptor. `credit` is a note or coin in the cash box and
    credited to a session; the others are the device's story around it."""

    CREDIT = "credit", _("Credited")
    READ = "read", _("Note in escrow")
    STACKING = "stacking", _("Stacking")
    STACKED = "stacked", _("Stacked")
    REFUSED = "refused", _("Refused by the kiosk")
    REJECTING = "rejecting", _("Rejecting")
    REJECTED = "rejected", _("Given back")
    SLAVE_RESET = "slave_reset", _("Device reset")
    ESCROW_LOST = "escrow_lost", _("Given back by a reset")
    DISABLED = "disabled", _("Disabled")
    ENABLED = "enabled", _("Enabled")
    FRAUD_ATTEMPT = "fraud_attempt", _("Fraud attempt")
    STACKER_FULL = "stacker_full", _("Cash box full")
    JAM = "jam", _("Note jam")
    CLEARED_FROM_FRONT = "cleared_from_front", _("Cleared from the front")
    CLEARED_INTO_CASHBOX = "cleared_into_cashbox", _("Cleared into the cash box")
    ONLINE = "online", _("Device in service")
    OFFLINE = "offline", _("Device not answering")
    EMPTIED = "emptied", _("Cash box emptied")


class CashBoxEvent(models.Model):
    """The cash-box audit: every event of a kiosk's cash acceptor, append-only. The credits since
    the last emptying are what the cash box should hold."""

    kiosk = models.ForeignKey(Kiosk, on_delete=models.PROTECT, related_name="cash_box_events")
    device = models.ForeignKey(CashDevice, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    session = models.ForeignKey(
        CashSession, null=True, blank=True, on_delete=models.PROTECT, related_name="cash_box_events"
    )
    kind = models.CharField(max_length=24, choices=CashBoxEventKind.choices)
    amount = models.BigIntegerField(default=0)  # cents of the note or coin; 0 when the event names none
    denomination_kind = models.CharField(max_length=4, blank=True)  # note or coin
    currency = models.CharField(max_length=3, default="EUR")
    channel = models.PositiveSmallIntegerField(default=0)
    # A device service run and the event's number in it: the same event is written once however
    # often its write is retried.
    run = models.CharField(max_length=32, blank=True)
    number = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("cash-box event")
        verbose_name_plural = _("cash-box events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["kiosk", "kind", "id"])]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], condition=~models.Q(run=""), name="uniq_cash_event_run"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="cash_event_amount_not_negative"),
        ]


class CashBoxEmptying(models.Model):
    """Staff took the cash out of a kiosk and counted it. Expected is what the audit says went in
    since the previous emptying (`after_event` < event id <= `up_to_event`); the ledger moves the
    kiosk's cash account to cash in transit, and the difference to cash differences."""

    kiosk = models.ForeignKey(Kiosk, on_delete=models.PROTECT, related_name="emptyings")
    emptied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    emptied_at = models.DateTimeField()
    after_event = models.BigIntegerField(default=0)
    up_to_event = models.BigIntegerField(default=0)
    # {"<cents>": count} per denomination, as counted and as the audit expects.
    counted = models.JSONField(default=dict)
    expected = models.JSONField(default=dict)
    counted_amount = models.BigIntegerField()
    expected_amount = models.BigIntegerField()
    # What the kiosk's cash account held (the cash sales credited); equal to expected unless cash
    # was credited by no sale yet (a session still open) or a sale without the device.
    ledger_amount = models.BigIntegerField()
    difference_amount = models.BigIntegerField()  # counted - expected: negative is missing cash
    currency = models.CharField(max_length=3, default="EUR")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("cash-box emptying")
        verbose_name_plural = _("cash-box emptyings")
        ordering = ["-emptied_at", "-id"]
        permissions = [("empty_cash_box", "Can record a kiosk cash-box emptying and its count")]
        constraints = [
            models.UniqueConstraint(fields=["kiosk", "up_to_event"], name="uniq_emptying_watermark"),
        ]

    @property
    def journal_key(self) -> str:
        return f"kiosk:{self.kiosk_id}:emptying:{self.pk}"
