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

    reference = models.CharField(max_length=16, unique=True)
    # Lower case. Both blank once the customer deleted their account (support.service.forget_customer).
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=120, blank=True)
    language = models.CharField(max_length=8)  # the customer's: every answer goes out in it
    topic = models.CharField(max_length=16, choices=Topic.choices)
    status = models.CharField(max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="support_cases"
    )
    line = models.ForeignKey("lines.Line", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    msisdn = models.CharField(max_length=16, blank=True)  # the number the customer gave (E.164)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()  # the last message, either way

    class Meta:
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
    direction = models.CharField(max_length=3, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=120, blank=True)  # as shown: the customer's name, or the staff member's
    body = models.TextField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)  # out: when the e-mail went
    send_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.direction} {self.created_at:%Y-%m-%d %H:%M}"
