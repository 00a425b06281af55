"""Privacy rights at the service level: deleting an account erases or pseudonymises the person and keeps
what the accounting law needs; a wrong password changes nothing; identity document numbers recorded
while the account held a line are erased, others are not."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.db import transaction

from simrenew.audit.models import AuditEntry
from simrenew.customers.errors import StaffAccountNotDeletable, WrongPassword
from simrenew.customers.models import LineHolding, LineLink, LinkChallenge, User
from simrenew.identity import queries as identity_queries
from simrenew.identity import service as identity
from simrenew.identity.models import DocumentType, Identification
from simrenew.kit import crypto
from simrenew.ledger import service as ledger
from simrenew.notifications import preferences
from simrenew.notifications.models import (
    MarketingConsent,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    OutboxKind,
    OutboxMessage,
)
from simrenew.orders.models import Order, Receipt
from simrenew.payments.models import Mandate, MandateStatus, Payment
from simrenew.web.portal import personal_data
from tests.factories import DEFAULT_PASSWORD, create_bundle, create_customer, create_line, create_order, link
from tests.shops.factories import create_shop, create_staff, eid_number

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _notification(customer: User, *, status: str, key: str) -> Notification:
    return Notification.objects.create(
        key=key,
        event_key=key,
        kind=NotificationKind.RENEWED,
        channel="email",
        recipient=customer.email,
        customer=customer,
        subject="Your bundle is renewed",
        body="Hello, your bundle Acme 15 is renewed.",
        status=status,
        send_after=T0,
        created_at=T0,
        sent_at=T0 if status == NotificationStatus.SENT else None,
    )


def _identify(line, staff, base: int) -> Identification:
    with transaction.atomic():
        return identity.identify_holder(
            line=line,
            document_type=DocumentType.BELGIAN_EID,
            document_number=eid_number(base),
            nationality="BE",
            date_of_birth=date(1999, 2, 3),
            checked_by=staff,
            checked_where="shop:test",
        )


@pytest.fixture
def subscriber():
    """A customer with a line (auto-renew on, a saved card), an order with its receipt, messages,
    settings, consent, a pending link code and failed sign-ins."""
    with time_machine.travel(T0, tick=False):
        customer = create_customer(email="jan@example.be", full_name="Jan Peeters", language="nl")
        line = create_line(msisdn="+32470123456", credit=5000)
        link(customer, line)
        line.auto_renew = True
        line.save(update_fields=["auto_renew"])
        order = create_order(
            line=line, product=create_bundle(line.brand), method="credit", customer=customer, email=customer.email
        )
        Payment.objects.create(
            order=order,
            provider="mollie",
            provider_payment_id="tr_test",
            method="bancontact",
            amount=1500,
            status="paid",
            details={"card_label": "Bancontact", "card_number": "6787", "consumer_account": "BE68539007547034"},
        )
        Mandate.objects.create(
            customer=customer,
            provider="mollie",
            provider_customer_id="cst_test",
            provider_mandate_id="mdt_test",
            method="creditcard",
            label="Mastercard •••• 6787",
            created_at=T0,
        )
        _notification(customer, status=NotificationStatus.SENT, key="sent")
        _notification(customer, status=NotificationStatus.PENDING, key="pending")
        preferences.set_preferences(customer_id=customer.pk, choices={NotificationKind.RENEWED: (False, True)})
        preferences.set_marketing_consent(customer_id=customer.pk, email=True, sms=False)
        LinkChallenge.objects.create(
            customer=customer, line=create_line(), code_hash="x", created_at=T0, expires_at=T0 + timedelta(minutes=10)
        )
        OutboxMessage.objects.create(kind=OutboxKind.EMAIL, recipient=customer.email, subject="s", body="b")
        AccessAttempt.objects.create(
            username=customer.email,
            ip_address="127.0.0.1",
            user_agent="test",
            http_accept="*/*",
            path_info="/en/login/",
            get_data="",
            post_data="",
            failures_since_start=2,
        )
    return customer, line, order


def _erase(customer: User, password: str = DEFAULT_PASSWORD) -> User:
    with transaction.atomic():
        return personal_data.delete_account(customer=customer, password=password)


def _everything() -> tuple:
    """A snapshot of every table erasure touches."""
    return (
        list(User.objects.order_by("pk").values()),
        list(LineLink.objects.values()),
        list(LineHolding.objects.values()),
        list(LinkChallenge.objects.values()),
        list(Mandate.objects.values()),
        list(Notification.objects.order_by("pk").values()),
        list(NotificationPreference.objects.values()),
        list(MarketingConsent.objects.values()),
        list(OutboxMessage.objects.values()),
        AccessAttempt.objects.count(),
        list(Order.objects.values()),
        list(Payment.objects.values()),
        list(Identification.objects.values()),
        AuditEntry.objects.count(),
    )


def test_deleting_an_account_erases_the_person_and_keeps_the_accounting(subscriber):
    customer, line, order = subscriber
    # when the customer deletes their account with their password
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        _erase(customer)
    # then the account row is an anonymous tombstone nobody can log in to
    customer.refresh_from_db()
    assert customer.email == f"erased-{customer.pk}@erased.invalid"
    assert (customer.full_name, customer.is_active, customer.email_verified_at, customer.last_login) == (
        "",
        False,
        None,
        None,
    )
    assert customer.erased_at == T0 + timedelta(days=3)
    assert not customer.has_usable_password()
    assert ModelBackend().authenticate(None, username="jan@example.be", password=DEFAULT_PASSWORD) is None
    # and the line is nobody's, its auto-renew off, and who held it when is forgotten with the account
    line.refresh_from_db()
    assert line.auto_renew is False
    assert (LineLink.objects.count(), LineHolding.objects.count(), LinkChallenge.objects.count()) == (0, 0, 0)
    # and the saved card can no longer be charged
    assert Mandate.objects.get().status == MandateStatus.REVOKED
    # and messages keep their kind and date but not whom they went to or what they said; the unsent one
    # is not sent
    rows = {row.key: row for row in Notification.objects.all()}
    assert {(row.recipient, row.subject, row.body) for row in rows.values()} == {("", "", "")}
    assert (rows["sent"].status, rows["pending"].status) == (NotificationStatus.SENT, NotificationStatus.FAILED)
    assert rows["sent"].kind == NotificationKind.RENEWED
    # and settings, consent, captured mail and sign-in attempts are gone
    assert (NotificationPreference.objects.count(), MarketingConsent.objects.count()) == (0, 0)
    assert OutboxMessage.objects.count() == 0
    assert AccessAttempt.objects.count() == 0
    # and the order keeps its amounts, its line and its receipt, but not the e-mail address
    order.refresh_from_db()
    assert (order.customer_id, order.total_amount, order.line_id, order.email) == (customer.pk, 1500, line.pk, "")
    assert Receipt.objects.filter(order=order).exists()
    # and its payment keeps the provider's id and the amount, not the payer's account or card digits
    payment = Payment.objects.get()
    assert (payment.provider_payment_id, payment.amount, payment.details) == (
        "tr_test",
        1500,
        {"card_label": "Bancontact"},
    )
    assert ledger.verify() == []
    # and the erasure is in the audit log, without the address
    entry = AuditEntry.objects.get(action="customer.erased")
    assert entry.target == f"customer:{customer.pk}"
    assert "jan@example.be" not in str(entry.details) + entry.actor


def test_a_wrong_password_changes_nothing(subscriber):
    customer, _, _ = subscriber
    before = _everything()
    with pytest.raises(WrongPassword) as error:
        _erase(customer, password="not-my-password")
    assert str(error.value) == "That password is not right. Nothing was deleted."
    assert error.value.field == "password"
    assert _everything() == before


def test_a_staff_account_is_not_deleted_here(subscriber):
    staff = create_staff(create_shop())
    before = _everything()
    with pytest.raises(StaffAccountNotDeletable):
        _erase(staff, password="anything")
    assert _everything() == before


def test_identity_numbers_recorded_while_the_account_held_the_line_are_erased_and_no_others(subscriber):
    customer, line, _ = subscriber
    staff = create_staff(create_shop())
    other_line = create_line()
    # given the line was identified before the customer linked it, and while they held it; another
    # line was identified too
    with time_machine.travel(T0 - timedelta(days=30), tick=False):
        before_holding = _identify(line, staff, 5911234567)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        during_holding = _identify(line, staff, 5911234568)
        elsewhere = _identify(other_line, staff, 5911234569)
    # when the account is deleted
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        _erase(customer)
    # then only the number checked while they held the line is erased; the check itself stays
    during_holding.refresh_from_db()
    assert (during_holding.document_number_encrypted, during_holding.document_lookup) == ("", "")
    assert (during_holding.document_type, during_holding.nationality, during_holding.checked_where) == (
        DocumentType.BELGIAN_EID,
        "BE",
        "shop:test",
    )
    assert identity_queries.masked(during_holding).masked_number == ""
    for kept in (before_holding, elsewhere):
        kept.refresh_from_db()
        assert crypto.decrypt(kept.document_number_encrypted).startswith("591123456")
    assert (
        identity_queries.lines_identified_with(document_type=DocumentType.BELGIAN_EID, number=eid_number(5911234568))
        == []
    )
    # and key rotation skips erased numbers
    assert identity.rotate_keys() == (2, 0)


def test_personal_data_has_every_section(subscriber):
    customer, line, order = subscriber
    data = personal_data.gather(customer)
    assert list(data) == [
        "account",
        "message_preferences",
        "marketing_consent",
        "lines",
        "saved_payment_methods",
        "notifications",
        "orders",
        "top_ups_received",
        "auto_renew",
        "identity_checks",
        "support_cases",
    ]
    assert data["account"]["email"] == "jan@example.be"
    assert data["account"]["name"] == "Jan Peeters"
    assert data["lines"] == [{"number": "0470 12 34 56", "brand": line.brand.name, "held_from": T0, "held_until": None}]
    assert {row["kind"]: (row["email"], row["sms"]) for row in data["message_preferences"]}[
        NotificationKind.RENEWED
    ] == (False, True)
    assert (data["marketing_consent"]["email"], data["marketing_consent"]["sms"]) == (True, False)
    assert [row["label"] for row in data["saved_payment_methods"]] == ["Mastercard •••• 6787"]
    # the notices, then the e-mail sent to the address straight away (its subject only, never its text)
    assert [row["subject"] for row in data["notifications"]] == ["Your bundle is renewed"] * 2 + ["s"]
    assert all("body" not in row for row in data["notifications"])
    [exported] = data["orders"]
    assert (exported["number"], exported["total_amount"], exported["bought_by_you"]) == (order.number, 1500, True)
    assert exported["receipt"]["number"] == order.receipt.number
    assert data["auto_renew"] == {"monthly_limit_amount": None, "lines": ["0470 12 34 56"]}
