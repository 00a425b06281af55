"""A customer's rights over their personal data (GDPR articles 15, 17 and 20): what we hold about
them, to read and to download, and deleting their account.

Deleting erases or pseudonymises whatever identifies the person: e-mail address, name, postal address,
password, the lines they linked and when, link codes, message contents and addresses, preferences and
consents, sign-in records, the payer's account number and card digits on their payments. The account row stays
as an anonymous tombstone because orders point at it: orders, their amounts and receipts, and the
ledger are kept for the seven years Belgian accounting law requires (docs/operations.md, "Privacy and
retention").

This module covers what customers and the domains below it hold. Orders sit above customers and
identity checks beside it; the portal's privacy pages add those sections (web.portal.personal_data).
"""

import logging
from datetime import datetime
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import get_language

from simrenew.audit import service as audit
from simrenew.customers.address import country_name
from simrenew.customers.errors import StaffAccountNotDeletable, WrongPassword
from simrenew.customers.models import HoldingEnd, LineHolding, LineLink, LinkChallenge, User
from simrenew.customers.queries import holdings_of
from simrenew.customers.service import end_holding
from simrenew.kit import clock
from simrenew.lines import service as lines
from simrenew.notifications import preferences
from simrenew.notifications.models import (
    Channel,
    MarketingConsent,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    OutboxKind,
    OutboxMessage,
)
from simrenew.payments import provider as providers
from simrenew.payments import service as saved_payments
from simrenew.payments.models import Mandate, MandateStatus, Payment

log = logging.getLogger(__name__)

# The domain of erased accounts' placeholder addresses (.invalid never resolves: RFC 2606).
ERASED_DOMAIN = "erased.invalid"
# What a payment's details say about the payer (their bank account, a card's last digits). The
# provider's payment id, the amounts and our own bank details stay for the bookkeeping.
PAYER_DETAILS = ("consumer_account", "card_number")


# --- What we hold (access and portability)


def personal_data(customer: User) -> dict[str, Any]:
    """Everything customers and the domains below it hold about the customer, section by section.
    Values are plain (str, int, bool, datetime, lists and dicts): the portal shows them and serialises
    them to JSON."""
    return {
        "account": _account(customer),
        "message_preferences": _message_preferences(customer),
        "marketing_consent": _marketing_consent(customer),
        "lines": _lines_held(customer),
        "saved_payment_methods": _saved_payment_methods(customer),
        "notifications": _notifications(customer),
    }


def _account(customer: User) -> dict[str, Any]:
    return {
        "email": customer.email,
        "name": customer.full_name,
        "address": {
            "street": customer.address_street,
            "postcode": customer.address_postcode,
            "city": customer.address_city,
            "country": customer.address_country,
            "country_name": country_name(customer.address_country, get_language() or "en")
            if customer.address_country
            else "",
        },
        "language": customer.language,
        "joined_at": customer.date_joined,
        "email_verified_at": customer.email_verified_at,
        "last_login_at": customer.last_login,
    }


def _message_preferences(customer: User) -> list[dict[str, Any]]:
    return [
        {"kind": kind, "label": str(NotificationKind(kind).label), "email": email, "sms": sms}
        for kind, (email, sms) in preferences.preferences_of(customer.pk).items()
    ]


def _marketing_consent(customer: User) -> dict[str, Any]:
    consent = MarketingConsent.objects.filter(customer=customer).first()
    return {
        "email": consent.email if consent else False,
        "sms": consent.sms if consent else False,
        "updated_at": consent.updated_at if consent else None,
    }


def _lines_held(customer: User) -> list[dict[str, Any]]:
    return [
        {
            "number": holding.line.display,
            "brand": holding.line.brand.name,
            "held_from": holding.started_at,
            "held_until": holding.ended_at,
        }
        for holding in holdings_of(customer)
    ]


def _saved_payment_methods(customer: User) -> list[dict[str, Any]]:
    return [
        {
            "label": mandate.label,
            "status": mandate.status,
            "status_label": str(mandate.get_status_display()),
            "saved_at": mandate.created_at,
            "ended_at": mandate.ended_at,
        }
        for mandate in Mandate.objects.filter(customer=customer).order_by("created_at", "id")
    ]


def _notifications(customer: User) -> list[dict[str, Any]]:
    """The messages sent to the customer: notices recorded for their account, and the e-mails and SMS
    (order confirmations, codes, resets) to their address or to a line's number while they held it.

    Only what each message was and when: never its text, which may carry a code or a link with a
    token. An e-mail or SMS that is also a notice is listed once, as the notice."""
    rows = []
    notices = list(_notices_to(customer))
    for row in notices:
        rows.append(
            {
                "kind": row.kind,
                "label": str(row.get_kind_display()),
                "channel": row.channel,
                "recipient": row.recipient,
                "subject": row.subject,
                "status": row.status,
                "created_at": row.created_at,
                "sent_at": row.sent_at,
            }
        )
    as_notices = {(row.recipient.lower(), row.subject, row.body) for row in notices if row.body}
    for message in _outbox_to(customer):
        if (message.recipient.lower(), message.subject, message.body) in as_notices:
            continue
        rows.append(
            {
                "kind": message.kind,
                "label": str(Channel(message.kind).label),
                "channel": message.kind,
                "recipient": message.recipient,
                "subject": message.subject,
                "status": NotificationStatus.SENT,
                "created_at": message.created_at,
                "sent_at": message.created_at,
            }
        )
    return sorted(rows, key=lambda row: row["created_at"])


def _notices_to(customer: User) -> QuerySet[Notification]:
    """Notices linked to the account, and those to its address or its lines' numbers without one."""
    to_them = Q(customer=customer) | Q(customer__isnull=True, recipient__iexact=customer.email)
    for holding in holdings_of(customer):
        during = Q(customer__isnull=True, recipient=holding.line.msisdn, created_at__gte=holding.started_at)
        if holding.ended_at is not None:
            during &= Q(created_at__lt=holding.ended_at)
        to_them |= during
    return Notification.objects.filter(to_them).order_by("created_at", "id")


def _outbox_to(customer: User) -> QuerySet[OutboxMessage]:
    """E-mails and SMS sent straight away (not as notices) to the customer's address, or to a line's
    number while they held it."""
    to_them = Q(kind=OutboxKind.EMAIL, recipient__iexact=customer.email)
    for holding in holdings_of(customer):
        during = Q(kind=OutboxKind.SMS, recipient=holding.line.msisdn, created_at__gte=holding.started_at)
        if holding.ended_at is not None:
            during &= Q(created_at__lt=holding.ended_at)
        to_them |= during
    return OutboxMessage.objects.filter(to_them).order_by("created_at", "id")


# --- Deleting the account (erasure)


def check_password(*, customer: User, password: str) -> None:
    """The customer confirms with their password; a staff account is closed by an administrator."""
    if customer.is_staff or customer.is_superuser:
        raise StaffAccountNotDeletable()
    if not customer.check_password(password or ""):
        raise WrongPassword(field="password")


def erase_account(*, customer: User, password: str) -> User:
    """Delete the customer's account: erase or pseudonymise what identifies them, keep what the law
    makes us keep. Caller owns the transaction (and first erases what the domains above hold, which
    needs the holdings this removes: web.portal.personal_data).

    Their lines are let go (auto-renew off), their saved payment means end here at once (no charge can
    follow; the provider is asked to revoke them after commit), every session ends (the password is
    gone and the account inactive) and no one can log in with it again.
    """
    customer = User.objects.select_for_update().get(pk=customer.pk)
    check_password(customer=customer, password=password)
    now = clock.now()
    _let_go_of_lines(customer, at=now)
    mandates = _end_saved_payment_means(customer)
    _forget_payer_details(customer)
    _forget_messages(customer)
    _forget_sign_ins(customer.email)
    _pseudonymise(customer, at=now)
    audit.record(action="customer.erased", target=f"customer:{customer.pk}")
    transaction.on_commit(lambda: _revoke_at_provider(mandates))
    return customer


def _let_go_of_lines(customer: User, *, at: datetime) -> None:
    """The lines they hold have no holder from now; their auto-renew (paid by this account) stops.
    Who held which line when is forgotten with the account."""
    for link in LineLink.objects.filter(customer=customer).order_by("line_id"):
        line = lines.lock_line(link.line_id)
        lines.set_auto_renew(line=line, enabled=False)
        end_holding(link=link, at=at, reason=HoldingEnd.ACCOUNT_DELETED)
    LineHolding.objects.filter(customer=customer).delete()
    LinkChallenge.objects.filter(customer=customer).delete()


def _end_saved_payment_means(customer: User) -> list[Mandate]:
    """Valid mandates end now, so auto-renew never charges them. The mandate rows stay (SEPA rules keep
    a mandate's record after its last collection)."""
    mandates = list(Mandate.objects.filter(customer=customer, status=MandateStatus.VALID))
    for mandate in mandates:
        saved_payments.end_mandate(mandate=mandate, status=MandateStatus.REVOKED)
    return mandates


def _forget_payer_details(customer: User) -> None:
    for payment in Payment.objects.filter(order__customer=customer).only("pk", "details"):
        kept = {key: value for key, value in payment.details.items() if key not in PAYER_DETAILS}
        if kept != payment.details:
            Payment.objects.filter(pk=payment.pk).update(details=kept)


def _revoke_at_provider(mandates: list[Mandate]) -> None:
    """Ask the provider to revoke the ended mandates too; best effort (ours are ended already)."""
    for mandate in mandates:
        try:
            saved_payments.revoke_mandate(mandate=mandate)
        except providers.ProviderError as exc:
            log.warning("mandate %s of an erased account not revoked at the provider: %s", mandate.pk, exc)


def _forget_messages(customer: User) -> None:
    """Messages keep that a notice of some kind went out on some day (what we told whom about which
    order stays answerable), not to whom or what it said. Unsent ones are not sent."""
    rows = Notification.objects.filter(customer=customer)
    rows.filter(status__in=[NotificationStatus.PENDING, NotificationStatus.SENDING]).update(
        status=NotificationStatus.FAILED, error="account deleted"
    )
    rows.update(recipient="", subject="", body="", html_body="", gateway_reference="")
    NotificationPreference.objects.filter(customer=customer).delete()
    MarketingConsent.objects.filter(customer=customer).delete()
    OutboxMessage.objects.filter(recipient__iexact=customer.email).delete()


def _forget_sign_ins(email: str) -> None:
    """django-axes keeps sign-in attempts by the address typed (and the caller's IP address)."""
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=email).delete()


def _pseudonymise(customer: User, *, at: datetime) -> None:
    customer.email = f"erased-{customer.pk}@{ERASED_DOMAIN}"
    customer.full_name = ""
    customer.address_street = customer.address_postcode = customer.address_city = customer.address_country = ""
    customer.set_unusable_password()  # changes the session hash: every session of the account ends
    customer.is_active = False
    customer.email_verified_at = None
    customer.last_login = None
    customer.erased_at = at
    customer.save()
    customer.groups.clear()
    customer.user_permissions.clear()
