"""The help centre's pages in the visitor's language, and the contact form: a case with a reference,
an acknowledgement in the customer's language, bad input refused, throttled per actor, once per form."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.kit.money import format_money
from simrenew.notifications.models import OutboxMessage
from simrenew.support import service
from simrenew.support.models import Case, CaseStatus, Direction, Message
from simrenew.throttles.models import Counter
from tests.factories import create_brand, create_customer, create_line

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]
FORM_KEY = "0123456789abcdef0123456789abcdef"


def url(name: str, language: str = "en", **kwargs: str) -> str:
    with translation.override(language):
        return reverse(f"portal:{name}", kwargs=kwargs or None)


def contact_data(**changes: str) -> dict[str, str]:
    data = {
        "name": "Li Wei",
        "email": "Li.Wei@Student.example",
        "topic": "failed_payment",
        "number": "",
        "message": "My Bancontact payment failed but the money left my account.",
        "reference": "",
        "form_key": FORM_KEY,
    }
    data.update(changes)
    return data


def state() -> tuple[int, int, int]:
    return Case.objects.count(), Message.objects.count(), OutboxMessage.objects.count()


# --- Articles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_index_lists_the_articles_by_topic_in_the_language(client, language):
    response = client.get(url("help", language))
    assert response.status_code == 200
    page = response.content.decode()
    assert url("help_search", language) in page
    for slug in ("renew-your-bundle", "payment-fees", "top-up-in-a-shop", "failed-payment", "privacy-and-your-data"):
        assert url("help_article", language, slug=slug) in page
    assert url("help_contact", language) in page


def test_an_article_page_shows_the_article_in_the_language(client):
    nl = client.get(url("help_article", "nl", slug="official-sites-and-fakes")).content.decode()
    assert "Hoe herken ik de officiële sites en een valse?" in nl
    assert 'href="/nl/official/"' in nl
    zh = client.get(url("help_article", "zh-hans", slug="official-sites-and-fakes")).content.decode()
    assert "如何识别官方网站和假冒网站\uff1f" in zh


def test_the_fees_article_shows_the_brands_fees_from_the_fee_table(client):
    create_brand(name="Acme Mobile", fees={"paypal": (35, 190), "creditcard": (25, 0)})
    page = client.get(url("help_article", "en", slug="payment-fees")).content.decode()
    assert "Acme Mobile" in page
    assert "€0.35 + 1.9 % of the price" in page
    assert "€0.25" in page
    assert "No fee" in page  # Bancontact: no fee configured
    nl = client.get(url("help_article", "nl", slug="payment-fees")).content.decode()
    assert format_money(35, "EUR", "nl") in nl  # € 0,35, the way Dutch writes it


def test_an_unknown_article_is_a_404(client):
    assert client.get(url("help_article", slug="no-such-thing")).status_code == 404


def test_search_finds_in_the_visitors_language(client):
    page = client.get(url("help_search", "en") + "?q=voucher").content.decode()
    assert url("help_article", "en", slug="top-up-in-a-shop") in page
    zh = client.get(url("help_search", "zh-hans") + "?q=充值券").content.decode()
    assert url("help_article", "zh-hans", slug="top-up-in-a-shop") in zh
    nothing = client.get(url("help_search", "en") + "?q=xylophone").content.decode()
    assert "No article matches “xylophone”." in nothing


@pytest.mark.parametrize("query", ["", "x" * 5000, "<script>alert(1)</script>", "%", "_"])
def test_search_takes_any_query_without_a_500(client, query):
    response = client.get(url("help_search"), {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_nul_in_the_query_is_a_clear_400(client):
    assert client.get(url("help_search") + "?q=a%00b").status_code == 400


# --- The contact form ------------------------------------------------------------------------------


def test_a_message_opens_a_case_and_the_customer_gets_its_reference_in_their_language(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("help_contact", "zh-hans"), contact_data())
    assert (response.status_code, response.url) == (302, url("help_contact_sent", "zh-hans"))
    case = Case.objects.get()
    assert re.fullmatch(r"SC-[2-9A-HJKMNP-Z]{8}", case.reference)
    assert (case.email, case.name, case.language, case.topic, case.status) == (
        "li.wei@student.example",
        "Li Wei",
        "zh-hans",
        "failed_payment",
        CaseStatus.OPEN,
    )
    message = Message.objects.get()
    assert (message.direction, message.body) == (Direction.IN, contact_data()["message"])
    mail = OutboxMessage.objects.get()
    assert mail.recipient == "li.wei@student.example"
    assert mail.subject.startswith(f"[{case.reference}] ")
    assert f"/zh-hans/help/contact/?reference={case.reference}" in mail.body
    assert "/zh-hans/help/" in mail.body

    sent = client.get(response.url).content.decode()
    assert case.reference in sent


def test_a_logged_in_customer_is_known_and_the_form_is_filled_in(client):
    customer = create_customer(email="an@example.be", full_name="An Peeters")
    client.force_login(customer)
    page = client.get(url("help_contact") + "?topic=fees").content.decode()
    assert 'value="An Peeters"' in page
    assert 'value="an@example.be"' in page
    assert '<option value="fees" selected>' in page
    client.post(url("help_contact"), contact_data(email="an@example.be"))
    assert Case.objects.get().customer == customer


def test_the_number_is_kept_in_e164_with_its_line(client):
    line = create_line()
    national = "0" + line.msisdn[3:]
    client.post(url("help_contact"), contact_data(number=national))
    case = Case.objects.get()
    assert (case.msisdn, case.line) == (line.msisdn, line)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"topic": "bribes"}, "topic"),
        ({"number": "0470 12 34 5x"}, "number"),
        ({"number": "\u0660\u0664\u0667\u0660\u0661\u0662\u0663\u0664\u0665\u0666"}, "number"),
        ({"message": "   "}, "message"),
        ({"message": "x" * 5001}, "message"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_nothing_is_sent(client, changes, field):
    before = state()
    response = client.post(url("help_contact"), contact_data(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert state() == before


def test_a_double_submit_opens_one_case(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url("help_contact"), contact_data())
        second = client.post(url("help_contact"), contact_data())
    assert first.url == second.url
    assert state() == (1, 1, 1)


def test_a_form_without_its_key_says_the_page_is_out_of_date(client):
    response = client.post(url("help_contact"), contact_data(form_key=""))
    assert response.status_code == 400
    assert "This page is out of date." in response.content.decode()
    assert state() == (0, 0, 0)


def test_the_form_is_throttled_per_address_not_per_e_mail(client, django_capture_on_commit_callbacks):
    for number in range(service.CONTACT_FORMS.limit):
        response = client.post(url("help_contact"), contact_data(form_key=f"{number:032x}"))
        assert response.status_code == 302
    before = state()
    refused = client.post(url("help_contact"), contact_data(form_key="f" * 32, email="someone@else.example"))
    assert refused.status_code == 429
    assert "You sent several messages in a short time." in refused.content.decode()
    assert state() == before
    # another network address is not limited by this one
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(url("help_contact"), contact_data(form_key="e" * 32)).status_code == 302
    assert Counter.objects.count() == 2


def test_a_follow_up_with_the_reference_and_the_same_address_joins_the_case(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("help_contact", "nl"), contact_data())
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ANSWERED)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("help_contact", "nl"),
            contact_data(reference=case.reference.lower(), message="It is still not there.", form_key="a" * 32),
        )
    case.refresh_from_db()
    assert Case.objects.count() == 1
    assert case.status == CaseStatus.OPEN
    assert [m.body for m in case.messages.order_by("id")] == [contact_data()["message"], "It is still not there."]
    follow_up = OutboxMessage.objects.order_by("id").last()
    assert follow_up.subject.startswith(f"[{case.reference}] ")


def test_a_reference_with_another_address_opens_a_new_case(client):
    client.post(url("help_contact"), contact_data())
    case = Case.objects.get()
    client.post(
        url("help_contact"),
        contact_data(email="stranger@example.be", reference=case.reference, message="Let me in.", form_key="b" * 32),
    )
    assert Case.objects.count() == 2
    assert case.messages.count() == 1
