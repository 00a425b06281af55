"""Signing up as operators do it (name, and an optional postal address), the customer's details in My
data (shown, changed, downloaded, erased), and linking a number that says up front that a verified
e-mail address comes first."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.customers.models import LinkChallenge, User
from simrenew.notifications.models import OutboxMessage
from tests.factories import DEFAULT_PASSWORD, create_customer, create_line

pytestmark = pytest.mark.django_db


def url(name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(f"portal:{name}")


def sign_up_data(**changes: str) -> dict[str, str]:
    data = {
        "full_name": "Sofie  Peeters",
        "email": "Sofie@Example.be",
        "password": DEFAULT_PASSWORD,
        "password_again": DEFAULT_PASSWORD,
        "street": "Meir 12",
        "postcode": "2000",
        "city": "Antwerpen",
        "country": "BE",
        "accept_terms": "on",
    }
    data.update(changes)
    return data


def logged_in(customer: User) -> Client:
    client = Client()
    client.force_login(customer)
    return client


# --- Signing up --------------------------------------------------------------------------------


def test_sign_up_keeps_the_name_and_the_address(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("register", "nl"), sign_up_data())
    assert (response.status_code, response.url) == (302, "/nl/register/sent/")
    user = User.objects.get()
    assert (user.email, user.full_name, user.language) == ("sofie@example.be", "Sofie Peeters", "nl")
    assert (user.address_street, user.address_postcode, user.address_city, user.address_country) == (
        "Meir 12",
        "2000",
        "Antwerpen",
        "BE",
    )
    assert OutboxMessage.objects.get().recipient == "sofie@example.be"


def test_sign_up_without_an_address_is_fine(client):
    response = client.post(url("register"), sign_up_data(street="", postcode="", city="", country="BE"))
    assert response.status_code == 302
    user = User.objects.get()
    assert (user.address_street, user.address_postcode, user.address_city, user.address_country) == ("", "", "", "")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"full_name": "  "}, "full_name", "This field is required."),
        ({"postcode": "20000"}, "postcode", "A Belgian postcode is four digits, for example 1000."),
        (
            {"postcode": "\uff12\uff10\uff10\uff10"},
            "postcode",
            "Type it with the ordinary digits 0 to 9: these are digits of another kind (such as full-width).",
        ),
        ({"city": ""}, "city", "Give the street, the postcode and the city, or leave all three empty."),
        ({"country": "XX"}, "country", "Select a valid choice. XX is not one of the available choices."),
        ({"street": "x" * 201}, "street", "Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_sign_up_with_bad_details_says_what_and_creates_nothing(client, changes, field, message):
    response = client.post(url("register"), sign_up_data(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert User.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_the_sign_up_page_asks_the_name_and_offers_the_address(client):
    page = client.get(url("register", "fr")).content.decode()
    for name in ("full_name", "email", "street", "postcode", "city", "country"):
        assert f'name="{name}"' in page
    assert '<option value="BE" selected>Belgique</option>' in page


def test_a_known_address_gets_the_same_answer_with_name_and_address(client):
    create_customer(email="sofie@example.be")
    response = client.post(url("register"), sign_up_data())
    assert (response.status_code, response.url) == (302, "/en/register/sent/")
    assert User.objects.count() == 1


# --- My data --------------------------------------------------------------------------------------


def test_my_data_shows_the_address_and_the_customer_changes_it():
    customer = create_customer(full_name="Sofie Peeters")
    client = logged_in(customer)
    assert "—" in client.get(url("my_data")).content.decode()

    response = client.post(
        url("profile", "nl"),
        {
            "full_name": "Sofie Peeters-Janssens",
            "street": "Meir 12",
            "postcode": "2000",
            "city": "Antwerpen",
            "country": "BE",
        },
    )
    assert (response.status_code, response.url) == (302, "/nl/account/privacy/my-data/")
    page = client.get(url("my_data", "nl")).content.decode()
    assert "Sofie Peeters-Janssens" in page
    assert "Meir 12<br>2000 Antwerpen<br>België" in page

    # an empty street, postcode and city remove the address
    client.post(url("profile"), {"full_name": "Sofie", "street": "", "postcode": "", "city": "", "country": "BE"})
    customer.refresh_from_db()
    assert (customer.full_name, customer.address_street, customer.address_country) == ("Sofie", "", "")


def test_a_bad_change_says_why_and_changes_nothing():
    customer = create_customer(full_name="Sofie Peeters")
    client = logged_in(customer)
    response = client.post(
        url("profile"), {"full_name": "Other", "street": "Meir 12", "postcode": "20x0", "city": "Antwerpen"}
    )
    assert response.status_code == 200
    assert "A Belgian postcode is four digits, for example 1000." in response.content.decode()
    customer.refresh_from_db()
    assert (customer.full_name, customer.address_street) == ("Sofie Peeters", "")


def test_the_profile_page_needs_a_login(client):
    response = client.get(url("profile"))
    assert response.status_code == 302
    assert "/login/" in response.url


def test_the_download_has_the_address_and_deleting_the_account_erases_it():
    customer = create_customer(full_name="Sofie Peeters")
    User.objects.filter(pk=customer.pk).update(
        address_street="Meir 12", address_postcode="2000", address_city="Antwerpen", address_country="BE"
    )
    client = logged_in(customer)
    data = json.loads(client.get(url("my_data_download")).content)
    assert data["account"]["address"] == {
        "street": "Meir 12",
        "postcode": "2000",
        "city": "Antwerpen",
        "country": "BE",
        "country_name": "Belgium",
    }
    response = client.post(url("delete_account"), {"password": DEFAULT_PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.erased_at is not None
    assert (
        customer.full_name,
        customer.address_street,
        customer.address_postcode,
        customer.address_city,
        customer.address_country,
    ) == ("", "", "", "", "")


# --- Linking a number ------------------------------------------------------------------------------


def test_linking_says_up_front_that_the_e_mail_must_be_verified():
    customer = create_customer(verified=False)
    client = logged_in(customer)
    response = client.get(url("link_line"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"To link a number, first verify your e-mail address: open the link we sent to {customer.email}." in page
    assert 'name="number"' not in page  # no number to type before the address is verified
    assert reverse("portal:resend_verification") in page
    assert 'name="next" value="/en/account/lines/link/"' in page


def test_an_unverified_customer_cannot_start_a_link_by_posting():
    customer = create_customer(verified=False)
    line = create_line()
    response = logged_in(customer).post(url("link_line"), {"number": line.msisdn})
    assert response.status_code == 200
    assert LinkChallenge.objects.count() == 0


def test_the_link_is_sent_again_and_the_customer_is_back_on_the_linking_page(django_capture_on_commit_callbacks):
    customer = create_customer(verified=False)
    client = logged_in(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("resend_verification"), {"next": url("link_line")})
    assert (response.status_code, response.url) == (302, "/en/account/lines/link/")
    mail = OutboxMessage.objects.get()
    assert mail.recipient == customer.email
    assert "/en/verify-email/" in mail.body


def test_sending_the_link_again_never_leads_off_the_site():
    client = logged_in(create_customer(verified=False))
    response = client.post(url("resend_verification"), {"next": "https://evil.example/phish"})
    assert response.url == "/en/account/"


def test_a_verified_customer_types_the_number_straight_away():
    page = logged_in(create_customer()).get(url("link_line")).content.decode()
    assert 'name="number"' in page
    assert "first verify your e-mail address" not in page


# --- Support cases in My data ----------------------------------------------------------------------


def test_my_data_shows_the_customers_cases_and_deleting_the_account_forgets_them():
    from simrenew.support import service as support
    from simrenew.support.models import Case

    customer = create_customer(email="sofie@example.be")
    case = support.open_case(
        name="Sofie", email=customer.email, topic="fees", body="Why a fee?", language="en", actor="t", customer=customer
    )
    client = logged_in(customer)
    page = client.get(url("my_data")).content.decode()
    assert case.reference in page and "Why a fee?" in page
    data = json.loads(client.get(url("my_data_download")).content)
    assert [each["reference"] for each in data["support_cases"]] == [case.reference]

    client.post(url("delete_account"), {"password": DEFAULT_PASSWORD, "confirm": "on"})
    case = Case.objects.get(pk=case.pk)
    assert (case.email, case.name, case.customer_id) == ("", "", None)
    assert list(case.messages.values_list("body", flat=True)) == [""]


def test_a_wrong_password_forgets_nothing_on_the_cases():
    from simrenew.support import service as support
    from simrenew.support.models import Case

    customer = create_customer(email="sofie@example.be")
    support.open_case(name="Sofie", email=customer.email, topic="fees", body="Hi", language="en", actor="t")
    logged_in(customer).post(url("delete_account"), {"password": "wrong", "confirm": "on"})
    assert Case.objects.get().email == "sofie@example.be"
