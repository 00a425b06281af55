"""Sign-up and password reset never tell whether an e-mail address has an account: a known and a
new address get the same answer, after the same work; only the e-mail that follows differs."""

import re
from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.customers.models import User
from simrenew.notifications.models import OutboxKind, OutboxMessage
from tests.factories import DEFAULT_PASSWORD, create_customer

pytestmark = pytest.mark.django_db


def url(name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(f"portal:{name}")


def sign_up(email: str, language: str = "en") -> tuple[Client, object, int]:
    """Sign up in a fresh browser; the browser, the answer, and how many passwords were hashed."""
    browser = Client()
    data = {
        "full_name": "An Peeters",
        "email": email,
        "password": DEFAULT_PASSWORD,
        "password_again": DEFAULT_PASSWORD,
        "accept_terms": "on",
    }
    with mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode) as hashed:
        response = browser.post(url("register", language), data)
    return browser, response, hashed.call_count


def comparable(html: str) -> str:
    """A page without what differs per request anyway (CSRF tokens, CSP nonces)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_a_known_and_a_new_address_get_the_same_answer(django_capture_on_commit_callbacks):
    # given an account for taken@example.be, whose owner reads Dutch
    create_customer(email="taken@example.be", language="nl")
    # when someone signs up with it, and someone else with a new address
    with django_capture_on_commit_callbacks(execute=True):
        known_browser, known, known_hashes = sign_up("Taken@Example.be")
    with django_capture_on_commit_callbacks(execute=True):
        new_browser, new, new_hashes = sign_up("new@example.be")
    # then both get the same redirect, the same cookies, the same next page, logged in neither
    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"]) == (302, "/en/register/sent/")
    assert sorted(known.cookies) == sorted(new.cookies)
    assert "_auth_user_id" not in known_browser.session and "_auth_user_id" not in new_browser.session
    known_page, new_page = known_browser.get(known["Location"]), new_browser.get(new["Location"])
    assert known_page.status_code == new_page.status_code == 200
    assert comparable(known_page.content.decode()) == comparable(new_page.content.decode())
    assert "Check your e-mail" in new_page.content.decode()
    # and both hashed the password once: the same work, about the same time
    assert known_hashes == new_hashes == 1
    # while only the new address got an account, and each its own e-mail
    assert sorted(User.objects.values_list("email", flat=True)) == ["new@example.be", "taken@example.be"]
    mails = {m.recipient: m for m in OutboxMessage.objects.filter(kind=OutboxKind.EMAIL)}
    assert mails.keys() == {"taken@example.be", "new@example.be"}
    assert mails["taken@example.be"].subject == "Je hebt al een simrenew-account"
    assert "/nl/password-reset/" in mails["taken@example.be"].body
    assert "/en/verify-email/" in mails["new@example.be"].body


def test_the_owner_of_a_known_address_gets_no_new_account_and_can_log_in_as_before(django_capture_on_commit_callbacks):
    owner = create_customer(email="taken@example.be")
    with django_capture_on_commit_callbacks(execute=True):
        sign_up("taken@example.be")
    assert User.objects.count() == 1
    assert User.objects.get(pk=owner.pk).check_password(DEFAULT_PASSWORD)
    mail = OutboxMessage.objects.get()
    assert mail.subject == "You already have a simrenew account"
    assert "Someone, probably you, tried to create a simrenew account with taken@example.be." in mail.body


def test_a_weak_password_is_refused_alike_for_a_known_and_a_new_address():
    create_customer(email="taken@example.be")
    data = {"full_name": "An Peeters", "password": "12345678", "password_again": "12345678", "accept_terms": "on"}
    known = Client().post(url("register"), {**data, "email": "taken@example.be"})
    new = Client().post(url("register"), {**data, "email": "new@example.be"})
    assert known.status_code == new.status_code == 200
    strip_email = re.compile(r'value="(taken|new)@example\.be"')
    assert comparable(strip_email.sub("", known.content.decode())) == comparable(
        strip_email.sub("", new.content.decode())
    )
    assert OutboxMessage.objects.count() == 0


def test_password_reset_answers_a_known_and_an_unknown_address_alike(django_capture_on_commit_callbacks):
    # given an account, and an address without one
    create_customer(email="known@example.be")
    # when a reset is asked for each
    with django_capture_on_commit_callbacks(execute=True):
        known = Client().post(url("password_reset"), {"email": "known@example.be"})
        unknown = Client().post(url("password_reset"), {"email": "nobody@example.be"})
    # then both go to the same "check your e-mail" page, and only the account's owner gets an e-mail
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == url("password_reset_done")
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == ["known@example.be"]
