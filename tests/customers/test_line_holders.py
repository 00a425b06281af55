"""One holder per line: linking a line from another account moves it there, the previous account is
told by e-mail in its language and loses the line at once, and who held it when is kept."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from simrenew.customers import service as customers
from simrenew.customers.models import HoldingEnd, LineHolding, LineLink
from simrenew.customers.queries import holder_of, holdings_of
from simrenew.notifications.models import OutboxKind, OutboxMessage
from tests.factories import create_customer, create_line, link

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=10)


@pytest.fixture
def line():
    return create_line(msisdn="+32470123456")


def _link_by_code(customer, line, callbacks) -> LineLink:
    """What the portal does: ask for a code, read it from the SMS, type it (each in its own transaction)."""
    with callbacks(execute=True), transaction.atomic():
        challenge = customers.start_line_link(customer=customer, raw_number=line.msisdn)
    sms = OutboxMessage.objects.filter(kind=OutboxKind.SMS, recipient=line.msisdn).first()
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    with callbacks(execute=True), transaction.atomic():
        return customers.confirm_line_link(customer=customer, challenge_id=challenge.pk, code=code)


def _emails_to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=OutboxKind.EMAIL, recipient=address).order_by("id"))


def _holdings(line) -> list[tuple]:
    return list(
        LineHolding.objects.filter(line=line).order_by("id").values_list("customer__email", "ended_at", "end_reason")
    )


def test_linking_a_held_line_from_another_account_moves_it(line, django_capture_on_commit_callbacks):
    # given A holds the line since T0
    a = create_customer(email="a@example.be")
    b = create_customer(email="b@example.be")
    with time_machine.travel(T0, tick=False):
        _link_by_code(a, line, django_capture_on_commit_callbacks)
    # when B types a code sent to the line at T1
    with time_machine.travel(T1, tick=False):
        moved = _link_by_code(b, line, django_capture_on_commit_callbacks)
    # then B is the line's one holder and A holds nothing
    assert (moved.customer, moved.linked_at) == (b, T1)
    assert list(LineLink.objects.values_list("customer__email", "line_id")) == [("b@example.be", line.pk)]
    assert holder_of(line) == b
    assert customers.lines_of(a) == []
    assert not customers.owns_line(customer=a, line=line)
    # and who held it when is kept: A from T0 to T1 (moved), B from T1
    assert _holdings(line) == [("a@example.be", T1, HoldingEnd.MOVED), ("b@example.be", None, "")]
    assert [(h.started_at, h.ended_at) for h in holdings_of(a)] == [(T0, T1)]
    # and A was told by e-mail (once), B was not
    [mail] = _emails_to("a@example.be")
    assert mail.subject == "Your number 0470 •• •• 56 is now linked to another account"
    assert "someone typed the code we sent to this number by SMS" in mail.body
    assert "/en/account/lines/link/" in mail.body
    assert "Auto-renew" not in mail.body  # it was off
    assert _emails_to("b@example.be") == []


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "Your number 0470 •• •• 56 is now linked to another account"),
        ("nl", "Je nummer 0470 •• •• 56 is nu aan een ander account gekoppeld"),
        ("fr", "Votre numéro 0470 •• •• 56 est maintenant lié à un autre compte"),
        ("de", "Ihre Nummer 0470 •• •• 56 ist jetzt mit einem anderen Konto verknüpft"),
        ("zh-hans", "您的号码 0470 •• •• 56 现已关联到另一个账户"),
    ],
)
def test_the_previous_holder_is_told_in_their_language(line, language, subject, django_capture_on_commit_callbacks):
    previous = create_customer(email="previous@example.be", language=language)
    link(previous, line)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        customers.take_line(customer=create_customer(), line=line)
    [mail] = _emails_to("previous@example.be")
    assert mail.subject == subject
    assert f"/{language}/account/lines/link/" in mail.body
    assert "0470 •• •• 56" in mail.html_body


def test_the_previous_holders_auto_renew_stops_and_the_mail_says_so(line, django_capture_on_commit_callbacks):
    previous = create_customer(email="previous@example.be")
    link(previous, line)
    line.auto_renew = True
    line.save(update_fields=["auto_renew"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        customers.take_line(customer=create_customer(), line=line)
    line.refresh_from_db()
    assert line.auto_renew is False
    [mail] = _emails_to("previous@example.be")
    assert "Auto-renew for this number is now off: nothing more will be charged to your saved payment method" in (
        mail.body
    )


def test_linking_back_moves_it_back(line, django_capture_on_commit_callbacks):
    a = create_customer(email="a@example.be")
    b = create_customer(email="b@example.be")
    with time_machine.travel(T0, tick=False):
        _link_by_code(a, line, django_capture_on_commit_callbacks)
    with time_machine.travel(T1, tick=False):
        _link_by_code(b, line, django_capture_on_commit_callbacks)
    with time_machine.travel(T1 + timedelta(days=1), tick=False):
        _link_by_code(a, line, django_capture_on_commit_callbacks)
    assert holder_of(line) == a
    assert customers.lines_of(b) == []
    assert _holdings(line) == [
        ("a@example.be", T1, HoldingEnd.MOVED),
        ("b@example.be", T1 + timedelta(days=1), HoldingEnd.MOVED),
        ("a@example.be", None, ""),
    ]
    assert len(_emails_to("a@example.be")) == 1  # when B took it
    assert len(_emails_to("b@example.be")) == 1  # when A took it back


def test_taking_a_line_one_holds_changes_nothing_and_tells_no_one(line, django_capture_on_commit_callbacks):
    holder = create_customer(email="holder@example.be")
    first = link(holder, line)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        again = customers.take_line(customer=holder, line=line)
    assert again == first
    assert _holdings(line) == [("holder@example.be", None, "")]
    assert OutboxMessage.objects.count() == 0


def test_a_move_rolled_back_changes_nothing_and_sends_nothing(line, django_capture_on_commit_callbacks):
    previous = create_customer(email="previous@example.be")
    link(previous, line)
    line.auto_renew = True
    line.save(update_fields=["auto_renew"])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        customers.take_line(customer=create_customer(), line=line)
        raise RuntimeError("the request failed after the move")
    line.refresh_from_db()
    assert (holder_of(line), line.auto_renew) == (previous, True)
    assert _holdings(line) == [("previous@example.be", None, "")]
    assert OutboxMessage.objects.count() == 0


def test_a_previous_holder_with_an_unverified_address_is_not_emailed(line, django_capture_on_commit_callbacks):
    previous = create_customer(email="unverified@example.be", verified=False)
    link(previous, line)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        customers.take_line(customer=create_customer(), line=line)
    assert holder_of(line) != previous
    assert OutboxMessage.objects.count() == 0
