"""Customer-service cases: what a customer asked through the contact form, and the conversation that
followed (their messages in, customer service's answers out by e-mail), kept on the case."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    """What a case (and a help article) is about; the help centre's sections are the same topics."""

    RENEWAL = "renewal", _("Renewing a bundle")
    FEES = "fees", _("Prices and payment fees")
    TOP_UP_OFFLINE = "top_up_offline", _("Topping up in a shop or with a voucher")
    OFFICIAL_SITES = "official_sites", _("Official sites and fake ones")
    FAILED_PAYMENT = "failed_payment", _("A payment that failed")
    PRIVACY = "privacy", _("Your data and privacy")
    OTHER = "other", _("Something else")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")  # waiting for customer service
    ANSWERED = "answered", _("Answered")  # customer service answered last
    CLOSED = "closed", _("Closed")


class Case(models.Model):
    """One customer's question and its conversation. The reference (`SC-…`) is in every e-mail's
    subject, so either side can find the case from a message."""

    reference = models.CharField(max_length=16, unique=True, verbose_name=_("reference"))
    # Lower case. Both blank once the customer deleted their account (support.service.forget_customer).
    email = models.EmailField(blank=True, verbose_name=_("e-mail address"))
    name = models.CharField(max_length=120, blank=True, verbose_name=_("name"))
    language = models.CharField(max_length=8, verbose_name=_("language"))  # the customer's: every answer goes out in it
    topic = models.CharField(max_length=16, choices=Topic.choices, verbose_name=_("topic"))
    status = models.CharField(
        max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN, verbose_name=_("status")
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_cases",
        verbose_name=_("customer"),
    )
    line = models.ForeignKey(
        "lines.Line", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("line")
    )
    msisdn = models.CharField(
        max_length=16, blank=True, verbose_name=_("mobile number")
    )  # the number the customer gave (E.164)
    created_at = models.DateTimeField(verbose_name=_("created at"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"))  # the last message, either way

    class Meta:
        verbose_name = _("support case")
        verbose_name_plural = _("support cases")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status", "updated_at"]), models.Index(fields=["email"])]
        permissions = [("answer_case", "Can answer support cases by e-mail and close them")]

    def __str__(self) -> str:
        return self.reference


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("From customer service")


class Message(models.Model):
    """One message of a case's conversation. An answer is e-mailed after commit; `sent_at` says it went."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices, verbose_name=_("direction"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(
        max_length=120, blank=True, verbose_name=_("author")
    )  # as shown: the customer's name, or the staff member's
    body = models.TextField(verbose_name=_("text"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))  # out: when the e-mail went
    send_error = models.CharField(max_length=300, blank=True, verbose_name=_("sending error"))

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.direction} {self.created_at:%Y-%m-%d %H:%M}"
