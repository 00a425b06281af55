"""The "My data" page on a phone: every table cell carries its column's label (data-label, shown by the
stylesheet when the rows become cards); codes are shown by name in the page's language; an identity
check says how it was made; the privacy page links to where the name and address are changed."""

import re
from datetime import date
from html import unescape

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.brands.models import PaymentMethod
from simrenew.customers.models import User
from simrenew.identity import service as identity
from simrenew.identity.models import IdentificationMethod
from tests.factories import create_bundle, create_customer, create_line, create_order, link

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _page(customer: User, name: str, language: str) -> str:
    client = Client()
    client.force_login(customer, backend=MODEL_BACKEND)
    with translation.override(language):
        path = reverse(f"portal:{name}")
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str, title_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{title_id}">(.*?)</section>', page, re.S)
    assert match is not None, title_id
    return match.group(1)


def _cells(section: str) -> list[tuple[str, str]]:
    """(data-label, text) of each data cell of the section's tables, in order."""
    return [
        (unescape(label), " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split()))
        for label, text in re.findall(r'<td data-label="([^"]*)">(.*?)</td>', section, re.S)
    ]


@pytest.fixture
def jan():
    """A customer with a Dutch account, a line identified with itsme, and an order."""
    customer = create_customer(email="jan@example.be", full_name="Jan Peeters", language="nl")
    line = create_line(msisdn="+32472000001", credit=5000)
    link(customer, line)
    with transaction.atomic():
        identity.identified_online(
            line=line, method=IdentificationMethod.ITSME, nationality="BE", date_of_birth=date(1955, 7, 6)
        )
    create_order(line=line, product=create_bundle(line.brand), method=PaymentMethod.CREDIT, customer=customer)
    return customer


def test_no_table_cell_of_my_data_goes_without_its_label(jan):
    page = _page(jan, "my_data", "en")
    assert "<td>" not in page
    assert re.findall(r"<td(?: [^>]*)?>", page)  # there are cells, each one labelled
    assert all("data-label=" in cell for cell in re.findall(r"<td(?: [^>]*)?>", page))


def test_message_settings_say_which_column_is_e_mail_and_which_sms(jan):
    cells = _cells(_section(_page(jan, "my_data", "nl"), "messages-title"))
    with translation.override("nl"):
        e_mail, sms = translation.gettext("E-mail"), translation.gettext("SMS")
    assert cells
    assert [label for label, _text in cells] == [e_mail, sms] * (len(cells) // 2)


def test_an_itsme_identity_check_says_how_and_shows_the_country_by_name(jan):
    cells = _cells(_section(_page(jan, "my_data", "en"), "identity-title"))
    assert cells == [
        ("Mobile number", "0472 00 00 01"),
        ("How", "itsme"),
        ("Document", "—"),
        ("Document number", "—"),
        ("Nationality", "Belgium"),
        ("Year of birth", "1955"),
        ("Checked on", cells[-1][1]),
    ]


def test_the_nationality_is_named_in_the_pages_language(jan):
    cells = dict(_cells(_section(_page(jan, "my_data", "nl"), "identity-title")))
    assert "België" in cells.values()


@pytest.mark.parametrize(("page_language", "name"), [("en", "Dutch"), ("nl", "Nederlands"), ("de", "Niederländisch")])
def test_the_account_language_is_shown_by_name(jan, page_language, name):
    account = _section(_page(jan, "my_data", page_language), "account-title")
    assert re.search(r"<dd>\s*" + re.escape(name) + r"\s*</dd>", account)
    assert "<dd>nl</dd>" not in account


def test_an_unknown_language_code_is_shown_as_it_is():
    customer = create_customer(language="xx")
    account = _section(_page(customer, "my_data", "en"), "account-title")
    assert "<dd>xx</dd>" in account


def test_the_download_keeps_the_codes_and_adds_their_names(jan):
    client = Client()
    client.force_login(jan, backend=MODEL_BACKEND)
    data = client.get(reverse("portal:my_data_download")).json()
    assert (data["account"]["language"], data["account"]["language_name"]) == ("nl", "Dutch")
    [check] = data["identity_checks"]
    assert (check["method"], check["nationality"], check["nationality_name"]) == ("itsme", "BE", "Belgium")


def test_the_privacy_page_links_to_changing_the_name_and_address(jan):
    page = _page(jan, "privacy", "en")
    with translation.override("en"):
        profile = reverse("portal:profile")
    assert re.search(rf'<a [^>]*href="{re.escape(profile)}"[^>]*>Change your name or address</a>', page)
    assert "Jan Peeters" in _section(page, "details-title")


def test_the_privacy_page_shows_the_address_with_its_country_by_name():
    customer = create_customer(full_name="Marie Dubois")
    customer.address_street, customer.address_postcode, customer.address_city = "Rue Haute 1", "1000", "Bruxelles"
    customer.address_country = "BE"
    customer.save()
    details = _section(_page(customer, "privacy", "fr"), "details-title")
    assert "Rue Haute 1<br>1000 Bruxelles<br>Belgique" in details
