"""customers.service: registration, e-mail verification and linking a line by an SMS code."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from simrenew.customers import service as customers
from simrenew.customers.errors import (
    AlreadyLinked,
    CodeExpired,
    InvalidVerificationLink,
    TooManyCodeAttempts,
    WrongCode,
)
from simrenew.customers.models import LineLink, LinkChallenge, User
from simrenew.kit import clock
from simrenew.kit.phone import InvalidMsisdn
from simrenew.lines.errors import UnknownLine
from simrenew.notifications.models import OutboxKind, OutboxMessage
from tests.factories import create_customer, create_line, link

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STRONG = "Correct-Horse-Battery-42"


def _link_path(mail: OutboxMessage) -> str:
    match = re.search(r"https?://\S+/verify-email/\S+/", mail.body)
    assert match, mail.body
    return urlsplit(match.group(0)).path


# --- Registration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        (
            "123",
            [
                "This password is too short. It must contain at least 8 characters.",
                "This password is too common.",
                "This password is entirely numeric.",
            ],
        ),
        ("password", ["This password is too common."]),
        ("84736251", ["This password is entirely numeric."]),
        ("jan.peeters", ["The password is too similar to the e-mail address."]),
    ],
)
def test_register_refuses_a_weak_password_with_djangos_messages(password, messages, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as error,
        transaction.atomic(),
    ):
        customers.register(email="jan.peeters@example.be", password=password, language="en")
    assert error.value.messages == messages
    assert User.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_signing_up_with_a_known_address_creates_nothing_and_tells_its_owner(django_capture_on_commit_callbacks):
    # given an account whose owner reads French
    owner = create_customer(email="taken@example.be", language="fr")
    password_before = User.objects.get(pk=owner.pk).password
    # when someone signs up with that address (typed differently) in English
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        result = customers.register(email=" Taken@Example.BE ", password=STRONG, language="en")
    # then no account is made or changed, and the owner is e-mailed, in French, how to get in
    assert result is None
    assert list(User.objects.values_list("email", "password")) == [("taken@example.be", password_before)]
    mail = OutboxMessage.objects.get()
    assert (mail.kind, mail.recipient, mail.subject) == (
        OutboxKind.EMAIL,
        "taken@example.be",
        "Vous avez déjà un compte simrenew",
    )
    assert "/fr/login/" in mail.body and "/fr/password-reset/" in mail.body
    assert "verify-email" not in mail.body


def test_the_owner_is_told_at_most_once_a_quarter_hour(django_capture_on_commit_callbacks):
    create_customer(email="taken@example.be")
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            assert customers.register(email="taken@example.be", password=STRONG, language="en") is None
    assert OutboxMessage.objects.count() == 1
    later = time_machine.travel(clock.now() + timedelta(minutes=15))
    with later, django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        customers.register(email="taken@example.be", password=STRONG, language="en")
    assert OutboxMessage.objects.count() == 2


def test_a_weak_password_is_refused_for_a_known_address_too(django_capture_on_commit_callbacks):
    # the answer to a weak password does not depend on whether the address has an account
    create_customer(email="taken@example.be")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError), transaction.atomic():
        customers.register(email="taken@example.be", password="12345678", language="en")
    assert OutboxMessage.objects.count() == 0


def test_register_sends_a_verification_link_after_commit_that_verifies(client, django_capture_on_commit_callbacks):
    # given a new customer registers in Dutch
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            user = customers.register(email="Nieuw@Example.be", password=STRONG, language="nl", full_name=" An ")
        # nothing is sent before the transaction commits
        assert OutboxMessage.objects.count() == 0
    assert len(callbacks) == 1
    callbacks[0]()
    # then the e-mail is in the outbox, unverified account stored
    assert (user.email, user.full_name, user.language, user.email_verified) == ("nieuw@example.be", "An", "nl", False)
    assert user.check_password(STRONG)
    mail = OutboxMessage.objects.get()
    assert (mail.kind, mail.recipient) == (OutboxKind.EMAIL, "nieuw@example.be")
    assert mail.subject
    path = _link_path(mail)
    assert path.startswith("/nl/verify-email/")
    assert f'href="http://127.0.0.1:8000{path}"' in mail.html_body
    # when the link is opened
    response = client.get(path)
    # then the address is verified and the visitor is sent to log in
    assert response.status_code == 302
    assert response.url == "/nl/login/"
    user.refresh_from_db()
    assert user.email_verified


def test_a_tampered_verification_link_is_refused(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        user = customers.register(email="x@example.be", password=STRONG, language="en")
    uidb64, token = _link_path(OutboxMessage.objects.get()).strip("/").split("/")[-2:]
    with pytest.raises(InvalidVerificationLink):
        customers.verify_email(uidb64=uidb64, token=token[:-1] + ("a" if token[-1] != "a" else "b"))
    with pytest.raises(InvalidVerificationLink):
        customers.verify_email(uidb64="bm9wZQ", token=token)
    user.refresh_from_db()
    assert not user.email_verified
    assert customers.verify_email(uidb64=uidb64, token=token).email_verified


# --- Linking a line -----------------------------------------------------------------------------


@pytest.fixture
def customer():
    return create_customer(email="owner@example.be")


@pytest.fixture
def line():
    return create_line(msisdn="+32470123456")


def _start(customer, number, callbacks_fixture) -> tuple[LinkChallenge, str]:
    with callbacks_fixture(execute=True), transaction.atomic():
        challenge = customers.start_line_link(customer=customer, raw_number=number)
    sms = OutboxMessage.objects.filter(kind=OutboxKind.SMS).first()
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    return challenge, code


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_the_code_goes_by_sms_to_the_lines_number_and_links_it(customer, line, django_capture_on_commit_callbacks):
    # given the customer asks to link 0470 12 34 56
    with time_machine.travel(T0, tick=False):
        challenge, code = _start(customer, "0470 12 34 56", django_capture_on_commit_callbacks)
    # then one SMS went to that number, and only a hash of the code is stored
    sms = OutboxMessage.objects.get()
    assert (sms.kind, sms.recipient) == (OutboxKind.SMS, "+32470123456")
    assert sms.body == f"simrenew: your code to link this number is {code}. It is valid for 10 minutes."
    assert code not in challenge.code_hash
    assert (challenge.created_at, challenge.expires_at) == (T0, T0 + timedelta(minutes=10))
    # when the right code is typed
    with time_machine.travel(T0 + timedelta(minutes=9), tick=False):
        linked = customers.confirm_line_link(
            customer=customer, challenge_id=challenge.pk, code=f" {code[:3]} {code[3:]} "
        )
    # then the line is linked
    assert (linked.customer, linked.line) == (customer, line)
    assert customers.lines_of(customer) == [line]
    assert customers.owns_line(customer=customer, line=line)
    # and the code cannot be used again
    with pytest.raises(CodeExpired):
        customers.confirm_line_link(customer=customer, challenge_id=challenge.pk, code=code)


def test_a_wrong_code_counts_an_attempt(customer, line, django_capture_on_commit_callbacks):
    challenge, code = _start(customer, "+32470123456", django_capture_on_commit_callbacks)
    with pytest.raises(WrongCode) as error:
        customers.confirm_line_link(customer=customer, challenge_id=challenge.pk, code=_wrong(code))
    assert str(error.value) == "That code is not right. Check the SMS and try again."
    challenge.refresh_from_db()
    assert challenge.attempts == 1
    assert LineLink.objects.count() == 0
    # the right code still works after one mistake
    customers.confirm_line_link(customer=customer, challenge_id=challenge.pk, code=code)
    assert LineLink.objects.filter(customer=customer, line=line).count() == 1


def test_after_five_wrong_codes_even_the_right_one_is_refused_for_fifteen_minutes(
    customer, line, django_capture_on_commit_callbacks
):
    # given a code was sent at T0
    with time_machine.travel(T0, tick=False):
        challenge, code = _start(customer, "0470123456", django_capture_on_commit_callbacks)
    # when five wrong codes are typed
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        for _ in range(4):
            with pytest.raises(WrongCode):
                customers.confirm_line_link(customer=customer, challenge_id=challenge.pk, code=_wrong(code))
        with pytest.raises(TooManyCodeAttempts) as error:
            customers.confirm_line_link(customer=customer, challenge_id=challenge.pk, code=_wrong(code))
        assert error.value.status == 429
        assert str(error.value) == "Too many wrong codes. Please wait 15 minutes before asking for a new one."
        # then the right code is refused too, and the attempts stop counting
        with pytest.raises(TooManyCodeAttempts):
            customers.confirm_line_link(customer=customer, challenge_id=challenge.pk, code=code)
    challenge.refresh_from_db()
    assert challenge.attempts == 5
    assert LineLink.objects.count() == 0
    # and no new code can be asked for within 15 minutes of the fifth wrong code (typed at T0 + 1 min)
    with (
        time_machine.travel(T0 + timedelta(minutes=15, seconds=59), tick=False),
        pytest.raises(TooManyCodeAttempts),
    ):
        customers.start_line_link(customer=customer, raw_number="0470 12 34 56")
    assert LinkChallenge.objects.count() == 1
    assert OutboxMessage.objects.count() == 1
    # but after 15 minutes one can
    with time_machine.travel(T0 + timedelta(minutes=16, seconds=1), tick=False):
        again, new_code = _start(customer, "0470 12 34 56", django_capture_on_commit_callbacks)
        customers.confirm_line_link(customer=customer, challenge_id=again.pk, code=new_code)
    assert customers.lines_of(customer) == [line]


def test_an_expired_code_is_refused(customer, line, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        challenge, code = _start(customer, "0470123456", django_capture_on_commit_callbacks)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False), pytest.raises(CodeExpired) as error:
        customers.confirm_line_link(customer=customer, challenge_id=challenge.pk, code=code)
    assert str(error.value) == "This code has expired. Ask for a new one."
    assert LineLink.objects.count() == 0


def test_another_customers_challenge_cannot_be_answered(customer, line, django_capture_on_commit_callbacks):
    challenge, code = _start(customer, "0470123456", django_capture_on_commit_callbacks)
    intruder = create_customer()
    with pytest.raises(CodeExpired):
        customers.confirm_line_link(customer=intruder, challenge_id=challenge.pk, code=code)
    assert LineLink.objects.count() == 0


def test_at_most_five_codes_an_hour(customer, line, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            _start(customer, "0470123456", django_capture_on_commit_callbacks)
        with pytest.raises(TooManyCodeAttempts):
            customers.start_line_link(customer=customer, raw_number="0470123456")
    assert LinkChallenge.objects.count() == 5
    with time_machine.travel(T0 + timedelta(hours=1, seconds=1), tick=False):
        _start(customer, "0470123456", django_capture_on_commit_callbacks)
    assert LinkChallenge.objects.count() == 6


def test_an_unknown_number_is_a_clear_error_and_sends_nothing(customer, line, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(UnknownLine) as error:
        customers.start_line_link(customer=customer, raw_number="0470 99 99 99")
    assert str(error.value) == "This number is not a line of ours. Check the number, or contact your operator."
    assert (LinkChallenge.objects.count(), LineLink.objects.count(), OutboxMessage.objects.count()) == (0, 0, 0)


def test_a_non_belgian_number_is_a_clear_error_and_sends_nothing(customer, line, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidMsisdn) as error:
        customers.start_line_link(customer=customer, raw_number="+33 6 12 34 56 78")
    assert str(error.value) == "This is not a Belgian mobile number. Type it like 0470 12 34 56 or +32 470 12 34 56."
    assert (LinkChallenge.objects.count(), LineLink.objects.count(), OutboxMessage.objects.count()) == (0, 0, 0)


def test_linking_a_line_twice_is_refused(customer, line, django_capture_on_commit_callbacks):
    link(customer, line)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AlreadyLinked):
        customers.start_line_link(customer=customer, raw_number="0470123456")
    assert (LinkChallenge.objects.count(), LineLink.objects.count(), OutboxMessage.objects.count()) == (0, 1, 0)


def test_the_sms_is_in_the_customers_language(line, django_capture_on_commit_callbacks, settings):
    customer = create_customer(language="nl")
    _, code = _start(customer, "0470123456", django_capture_on_commit_callbacks)
    assert code in OutboxMessage.objects.get().body
