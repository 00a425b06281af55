"""The customer portal through Django's test client: pages in every language, isolation
between customers, CSRF, a renewal paid from credit, and the login lockout."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.customers.models import LineLink, LinkChallenge, User
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, Journal, Posting
from simrenew.lines.models import BundlePeriod, PeriodStatus
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import Order, OrderStatus, Receipt
from tests.factories import (
    DEFAULT_PASSWORD,
    create_brand,
    create_bundle,
    create_customer,
    create_line,
    create_order,
    create_topup_product,
    link,
)
from tests.web.form_keys import confirmation

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _ in settings.LANGUAGES]
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def url(name: str, language: str = "en", **kwargs: object) -> str:
    with translation.override(language):
        return reverse(f"portal:{name}", kwargs=kwargs or None)


@pytest.fixture
def brand():
    return create_brand(code="acme", name="Acme Mobile")


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, price_amount=1500, names={"en": "Acme 15", "nl": "Acme 15 NL"})


@pytest.fixture
def topup_product(brand):
    return create_topup_product(brand)


def _logged_in(user: User, **client_kwargs: object) -> Client:
    client = Client(**client_kwargs)
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def _state() -> tuple:
    return (
        Order.objects.count(),
        Journal.objects.count(),
        Posting.objects.count(),
        BundlePeriod.objects.count(),
        Receipt.objects.count(),
        OutboxMessage.objects.count(),
        LineLink.objects.count(),
        tuple(Account.objects.order_by("id").values_list("code", "balance_amount")),
    )


# --- Every page in every language ---------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", ["home", "login", "register", "verify_receipt", "official", "password_reset"])
def test_public_pages_answer_in_every_language(client, brand, language, page):
    response = client.get(url(page, language))
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", ["account", "topup", "link_line"])
def test_customer_pages_answer_in_every_language(brand, bundle, language, page):
    customer = create_customer(language=language)
    link(customer, create_line(brand, credit=500))
    response = _logged_in(customer).get(url(page, language))
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_renew_and_topup_pages_of_a_line_answer_in_every_language(brand, bundle, topup_product, language):
    customer = create_customer(language=language)
    line = create_line(brand, credit=500)
    link(customer, line)
    client = _logged_in(customer)
    renew = client.get(url("renew", language, line_id=line.pk))
    assert renew.status_code == 200
    assert line.display in renew.content.decode()
    topup = client.get(url("topup", language) + "?number=" + line.display)
    assert topup.status_code == 200
    assert line.display in topup.content.decode()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("nl-BE,nl;q=0.9,en;q=0.5", "/nl/"),
        ("fr-BE,fr;q=0.9", "/fr/"),
        ("de", "/de/"),
        ("zh-CN,zh;q=0.9", "/zh-hans/"),
        ("en-GB", "/en/"),
        ("es-ES", "/en/"),
    ],
)
def test_root_redirects_to_the_browsers_language(client, accept, expected):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302
    assert response.url == expected


def test_anonymous_customer_pages_redirect_to_login(client):
    response = client.get(url("account", "fr"))
    assert response.status_code == 302
    assert response.url == "/fr/login/?next=/fr/account/"


# --- Customers only ever see their own lines and orders ------------------------------------------


@pytest.fixture
def alice_and_bob(brand, bundle):
    alice = create_customer(email="alice@example.be")
    bob = create_customer(email="bob@example.be")
    alice_line = create_line(brand, msisdn="+32470111111", credit=3000)
    bob_line = create_line(brand, msisdn="+32470222222", credit=3000)
    link(alice, alice_line)
    link(bob, bob_line)
    alice_order = create_order(line=alice_line, product=bundle, method="credit", customer=alice)
    return alice, bob, alice_line, alice_order


def test_someone_elses_line_cannot_be_renewed(alice_and_bob, bundle):
    _, bob, alice_line, _ = alice_and_bob
    client = _logged_in(bob)
    before = _state()
    assert client.get(url("renew", line_id=alice_line.pk)).status_code == 404
    response = client.post(
        url("renew", line_id=alice_line.pk), {"product": str(bundle.pk), "method": "credit", "confirm": "1"}
    )
    assert response.status_code == 404
    assert _state() == before


def test_someone_elses_order_is_not_found(alice_and_bob):
    _, bob, _, alice_order = alice_and_bob
    client = _logged_in(bob)
    for name in ("order", "order_return", "order_retry"):
        response = client.get(url(name, number=alice_order.number))
        assert response.status_code == 404, name
        page = response.content.decode()
        assert alice_order.masked_number not in page
        assert alice_order.receipt.number not in page


def test_someone_elses_receipt_needs_its_code(alice_and_bob, client):
    alice, bob, _, alice_order = alice_and_bob
    receipt = alice_order.receipt
    path = url("receipt", number=receipt.number)
    # logged in as someone else, without the code: forbidden
    response = _logged_in(bob).get(path)
    assert response.status_code == 403
    assert alice_order.number not in response.content.decode()
    # anonymous without the code, or with a wrong one: not found
    assert client.get(path).status_code == 404
    assert client.get(path + "?code=WRONGCODE").status_code == 404
    # the owner sees it without the code; anyone holding the code sees it
    assert alice_order.number in _logged_in(alice).get(path).content.decode()
    shown = client.get(path + f"?code={receipt.verification_code.lower()}")
    assert shown.status_code == 200
    assert alice_order.number in shown.content.decode()


def test_account_lists_only_ones_own_lines_and_orders(alice_and_bob):
    _, bob, alice_line, alice_order = alice_and_bob
    page = _logged_in(bob).get(url("account")).content.decode()
    assert "0470 22 22 22" in page
    assert alice_line.display not in page
    assert alice_order.number not in page


def test_someone_elses_link_challenge_is_not_found(alice_and_bob, brand):
    alice, bob, _, _ = alice_and_bob
    other_line = create_line(brand)
    challenge = LinkChallenge.objects.create(
        customer=alice,
        line=other_line,
        code_hash="x",
        created_at=other_line.created_at,
        expires_at=other_line.created_at,
    )
    assert _logged_in(bob).get(url("link_line_code", challenge_id=challenge.pk)).status_code == 404


# --- CSRF ---------------------------------------------------------------------------------------


def test_login_form_needs_the_csrf_token(brand):
    create_customer(email="csrf@example.be")
    client = Client(enforce_csrf_checks=True)
    refused = client.post(url("login"), {"username": "csrf@example.be", "password": DEFAULT_PASSWORD})
    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session
    client.get(url("login"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = client.post(
        url("login"), {"username": "csrf@example.be", "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302
    assert accepted.url == "/en/account/"


def test_renewal_form_needs_the_csrf_token(brand, bundle):
    customer = create_customer()
    line = create_line(brand, credit=3000)
    link(customer, line)
    client = _logged_in(customer, enforce_csrf_checks=True)
    data = {"product": str(bundle.pk), "method": "credit", "confirm": "1"}
    before = _state()
    assert client.post(url("renew", line_id=line.pk), data).status_code == 403
    assert _state() == before
    priced = client.get(url("renew", line_id=line.pk) + f"?product={bundle.pk}&method=credit")
    data["csrfmiddlewaretoken"] = client.cookies[settings.CSRF_COOKIE_NAME].value
    data.update(confirmation(priced))
    assert client.post(url("renew", line_id=line.pk), data).status_code == 302
    assert Order.objects.get().status == OrderStatus.FULFILLED


def test_a_renewal_confirmed_for_another_bundle_than_was_priced_buys_nothing(brand, bundle):
    customer = create_customer()
    line = create_line(brand, credit=5000)
    link(customer, line)
    client = _logged_in(customer)
    other = create_bundle(brand, code="acme-25", price_amount=2500)
    page = url("renew", line_id=line.pk)
    priced = client.post(page, {"product": str(bundle.pk), "method": "credit"})
    before = _state()
    refused = client.post(page, {"product": str(other.pk), "method": "credit", **confirmation(priced)})
    assert refused.status_code == 200
    assert "The price changed since it was shown. Nothing was charged; please check the new price." in (
        refused.content.decode()
    )
    assert _state() == before
    assert balances(line).credit_amount == 5000


def test_register_and_link_forms_need_the_csrf_token(brand):
    before = _state()
    anonymous = Client(enforce_csrf_checks=True)
    data = {
        "full_name": "An Peeters",
        "email": "new@example.be",
        "password": DEFAULT_PASSWORD,
        "password_again": DEFAULT_PASSWORD,
        "accept_terms": "on",
    }
    assert anonymous.post(url("register"), data).status_code == 403
    assert not User.objects.filter(email="new@example.be").exists()
    customer = create_customer()
    create_line(brand, msisdn="+32470123456")
    client = _logged_in(customer, enforce_csrf_checks=True)
    assert client.post(url("link_line"), {"number": "0470123456"}).status_code == 403
    assert LinkChallenge.objects.count() == 0
    assert _state()[:6] == before[:6]


# --- A renewal paid from credit, through the pages ----------------------------------------------


def test_a_renewal_from_credit_through_the_portal(brand, bundle, django_capture_on_commit_callbacks):
    # given a Dutch-speaking customer with 20.00 credit on their line
    customer = create_customer(email="jan@example.be", language="nl")
    line = create_line(brand, msisdn="+32470123456", credit=2000)
    link(customer, line)
    client = _logged_in(customer)
    renew_url = url("renew", "nl", line_id=line.pk)
    assert client.get(renew_url).status_code == 200
    # when they choose the bundle and credit, see the price, and confirm
    quote = client.post(renew_url, {"product": str(bundle.pk), "method": "credit", "quote": ""})
    assert quote.status_code == 200
    assert "15,00" in quote.content.decode()
    assert Order.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(renew_url, {"product": str(bundle.pk), "method": "credit", **confirmation(quote)})
    # then the order is fulfilled and they land on its page
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == f"/nl/orders/{order.number}/"
    assert (order.status, order.method, order.customer, order.language) == (
        OrderStatus.FULFILLED,
        "credit",
        customer,
        "nl",
    )
    assert (order.total_amount, order.fee_amount, order.vat_amount) == (1500, 0, 260)
    period = BundlePeriod.objects.get(order_id=order.pk)
    assert (period.line, period.product, period.status) == (line, bundle, PeriodStatus.ACTIVE)
    assert balances(line).credit_amount == 500
    journal = Journal.objects.get(key=f"order:{order.pk}:fulfil")
    assert sorted(journal.postings.values_list("amount", flat=True)) == [-1500, 260, 1240]
    assert ledger.verify() == []
    receipt = Receipt.objects.get(order=order)
    # and a confirmation e-mail went to them, in their language's links
    mail = OutboxMessage.objects.get(kind=OutboxKind.EMAIL)
    assert mail.recipient == "jan@example.be"
    assert order.number in mail.subject
    assert order.number in mail.body
    assert "0470 •• •• 56" in mail.body
    assert receipt.number in mail.body
    assert receipt.verification_code in mail.body
    assert f"/nl/receipts/{receipt.number}/?code={receipt.verification_code}" in mail.body
    assert "0470 12 34 56" not in mail.body
    # and the order page shows it done
    page = client.get(response.url)
    assert page.status_code == 200
    assert order.number in page.content.decode()
    assert receipt.number in page.content.decode()


def test_insufficient_credit_through_the_portal_shows_an_error_and_changes_nothing(brand, bundle):
    customer = create_customer()
    line = create_line(brand, credit=1499)
    link(customer, line)
    client = _logged_in(customer)
    before = _state()
    response = client.post(
        url("renew", line_id=line.pk), {"product": str(bundle.pk), "method": "credit", "confirm": "1"}
    )
    assert response.status_code == 200
    assert "Your credit does not cover this bundle. Choose another payment method." in response.content.decode()
    assert _state() == before
    assert balances(line).credit_amount == 1499


def test_an_unverified_customer_is_asked_to_verify_first(brand, bundle):
    customer = create_customer(verified=False)
    line = create_line(brand, credit=3000)
    link(customer, line)
    client = _logged_in(customer)
    before = _state()
    response = client.post(
        url("renew", line_id=line.pk), {"product": str(bundle.pk), "method": "credit", "confirm": "1"}
    )
    assert response.status_code == 302
    assert response.url == "/en/account/"
    assert _state() == before
    page = client.get(response.url).content.decode()
    assert "Please verify your e-mail address first: open the link we e-mailed you." in page


# --- Registering and linking a number through the pages ------------------------------------------


def test_register_through_the_portal(client, django_capture_on_commit_callbacks):
    data = {
        "full_name": "Nieuw Lid",
        "email": "Nieuw@Example.be",
        "password": DEFAULT_PASSWORD,
        "password_again": DEFAULT_PASSWORD,
        "accept_terms": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("register", "nl"), data)
    assert response.status_code == 302
    assert response.url == "/nl/register/sent/"
    user = User.objects.get()
    assert (user.email, user.language, user.email_verified) == ("nieuw@example.be", "nl", False)
    mail = OutboxMessage.objects.get()
    path = re.search(r"http://\S+?(/nl/verify-email/\S+/)", mail.body).group(1)
    assert client.get(path).status_code == 302
    user.refresh_from_db()
    assert user.email_verified


def test_register_refuses_a_weak_password(client):
    create_customer(email="taken@example.be")
    weak = client.post(
        url("register"),
        {
            "full_name": "An Peeters",
            "email": "new@example.be",
            "password": "12345678",
            "password_again": "12345678",
            "accept_terms": "on",
        },
    )
    assert weak.status_code == 200
    page = weak.content.decode()
    assert "This password is too common." in page
    assert "This password is entirely numeric." in page
    assert list(User.objects.values_list("email", flat=True)) == ["taken@example.be"]
    assert OutboxMessage.objects.count() == 0


def test_link_a_number_through_the_portal_and_wrong_codes_count(brand, django_capture_on_commit_callbacks):
    # given a verified customer and a line
    customer = create_customer()
    line = create_line(brand, msisdn="+32470123456")
    client = _logged_in(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("link_line"), {"number": "0470 12 34 56"})
    challenge = LinkChallenge.objects.get()
    assert response.status_code == 302
    assert response.url == url("link_line_code", challenge_id=challenge.pk)
    sms = OutboxMessage.objects.get(kind=OutboxKind.SMS)
    assert sms.recipient == "+32470123456"
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    # when a wrong code is typed twice
    for attempt in (1, 2):
        page = client.post(url("link_line_code", challenge_id=challenge.pk), {"code": wrong})
        assert page.status_code == 200
        assert "That code is not right. Check the SMS and try again." in page.content.decode()
        # then each attempt stays counted, even though the page showed an error
        challenge.refresh_from_db()
        assert challenge.attempts == attempt
    assert LineLink.objects.count() == 0
    # and the right code links the line
    done = client.post(url("link_line_code", challenge_id=challenge.pk), {"code": code})
    assert done.status_code == 302
    assert done.url == "/en/account/"
    assert list(LineLink.objects.values_list("customer_id", "line_id")) == [(customer.pk, line.pk)]


def test_five_wrong_codes_through_the_portal_lock_the_challenge(brand, django_capture_on_commit_callbacks):
    customer = create_customer()
    create_line(brand, msisdn="+32470123456")
    client = _logged_in(customer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("link_line"), {"number": "0470123456"})
    challenge = LinkChallenge.objects.get()
    code = re.search(r"\b(\d{6})\b", OutboxMessage.objects.get().body).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        client.post(url("link_line_code", challenge_id=challenge.pk), {"code": wrong})
    refused = client.post(url("link_line_code", challenge_id=challenge.pk), {"code": code})
    assert "Too many wrong codes. Please wait 15 minutes before asking for a new one." in refused.content.decode()
    assert LineLink.objects.count() == 0
    again = client.post(url("link_line"), {"number": "0470123456"})
    assert again.status_code == 200
    assert "Too many wrong codes." in again.content.decode()
    assert LinkChallenge.objects.count() == 1


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("0470 99 99 99", "This number is not a line of ours. Check the number, or contact your operator."),
        ("+33 6 12 34 56 78", "This is not a Belgian mobile number. Type it like 0470 12 34 56 or +32 470 12 34 56."),
    ],
)
def test_linking_an_unknown_or_foreign_number_shows_why(brand, number, message):
    customer = create_customer()
    create_line(brand, msisdn="+32470123456")
    before = _state()
    response = _logged_in(customer).post(url("link_line"), {"number": number})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _state() == before
    assert LinkChallenge.objects.count() == 0


# --- Login lockout (django-axes) ----------------------------------------------------------------


def test_five_failed_logins_lock_the_account_out(client, brand):
    customer = create_customer(email="victim@example.be")
    for _ in range(4):
        failed = client.post(url("login"), {"username": "victim@example.be", "password": "wrong-password"})
        assert failed.status_code == 200
        assert "That e-mail address and password do not match." in failed.content.decode()
    fifth = client.post(url("login"), {"username": "victim@example.be", "password": "wrong-password"})
    assert fifth.status_code == 429
    assert "Too many failed log-ins for this account." in fifth.content.decode()
    # even the right password is refused now
    right = client.post(url("login"), {"username": "victim@example.be", "password": DEFAULT_PASSWORD})
    assert right.status_code == 429
    assert "Too many attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session
    customer.refresh_from_db()
    assert customer.last_login is None


def test_the_lockout_is_per_account_and_ignores_the_case_of_the_address(client, brand):
    # given one account locked out after five failures typed in mixed case
    create_customer(email="victim@example.be")
    create_customer(email="neighbour@example.be")
    for _ in range(5):
        client.post(url("login"), {"username": "Victim@Example.BE", "password": "wrong-password"})
    # then the same account in lower case is locked too
    locked = client.post(url("login"), {"username": "victim@example.be", "password": DEFAULT_PASSWORD})
    assert locked.status_code == 429
    # but another account from the same address still logs in
    other = client.post(url("login"), {"username": "neighbour@example.be", "password": DEFAULT_PASSWORD})
    assert other.status_code == 302
    assert other.url == "/en/account/"


def test_login_ignores_the_case_of_the_address(client, brand):
    customer = create_customer(email="jan@example.be")
    response = client.post(url("login", "nl"), {"username": " Jan@Example.BE ", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response.url == "/nl/account/"
    assert client.session["_auth_user_id"] == str(customer.pk)
