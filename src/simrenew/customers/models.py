"""Customer logins (e-mail + password), the line each holds now (one account per line), and who held
which line when."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _

from simrenew.customers.address import Address


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("e-mail is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("name"), max_length=120, blank=True)
    # The postal address the customer gave (optional; whole or empty: customers.address). Erased with
    # the account (customers.privacy).
    address_street = models.CharField(_("street and number"), max_length=200, blank=True)
    address_postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    address_city = models.CharField(_("city"), max_length=80, blank=True)
    address_country = models.CharField(_("country"), max_length=2, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    email_verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("e-mail address verified at"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    is_staff = models.BooleanField(default=False, verbose_name=_("staff status"))
    date_joined = models.DateTimeField(auto_now_add=True)
    # Set when the customer deleted their account (customers.privacy): the row stays, pseudonymised,
    # because orders (kept for the accounting law) point at it; it can never log in again.
    erased_at = models.DateTimeField(null=True, blank=True, verbose_name=_("erased at"))

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def address(self) -> Address:
        return Address(
            street=self.address_street,
            postcode=self.address_postcode,
            city=self.address_city,
            country=self.address_country,
        )


class LineLink(models.Model):
    """The account that holds a line now: its proven right to manage it (by a code sent to the line by
    SMS). One account per line: linking the line from another account moves it there
    (customers.service.take_line), so this table only ever says who holds a line now; who held it
    before, and when, is in LineHolding."""

    customer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="line_links", verbose_name=_("customer"))
    line = models.ForeignKey("lines.Line", on_delete=models.CASCADE, related_name="links", verbose_name=_("line"))
    linked_at = models.DateTimeField(verbose_name=_("linked at"))

    class Meta:
        verbose_name = _("linked line")
        verbose_name_plural = _("linked lines")
        constraints = [models.UniqueConstraint(fields=["line"], name="one_holder_per_line")]


class HoldingEnd(models.TextChoices):
    MOVED = "moved", _("Linked by another account")
    ACCOUNT_DELETED = "account_deleted", _("Account deleted")


class LineHolding(models.Model):
    """One account's time holding one line, from its link until another account took the line.

    An account sees what happened to a line while it held it (orders nobody's account bought, such
    as a shop or kiosk top-up) and nothing from before. The open holding (`ended_at` NULL) is the
    line's LineLink; both are written together, only by customers.service.
    """

    customer = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="line_holdings", verbose_name=_("customer")
    )
    line = models.ForeignKey("lines.Line", on_delete=models.CASCADE, related_name="holdings", verbose_name=_("line"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    end_reason = models.CharField(max_length=16, choices=HoldingEnd.choices, blank=True, verbose_name=_("why it ended"))

    class Meta:
        verbose_name = _("line holding")
        verbose_name_plural = _("line holdings")
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["customer", "line", "started_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["line"], condition=models.Q(ended_at__isnull=True), name="one_open_holding_per_line"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="holding_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} held {self.line_id} {self.started_at:%Y-%m-%d}→{self.ended_at or ''}"


class LinkChallenge(models.Model):
    """A one-time code sent to a line; stored only as a keyed hash."""

    customer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="link_challenges")
    line = models.ForeignKey("lines.Line", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set by the wrong try that used up the attempts; the 15-minute wait counts from here.
    locked_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("line link code")
        verbose_name_plural = _("line link codes")
        indexes = [models.Index(fields=["expires_at"])]  # the retention job purges old codes
