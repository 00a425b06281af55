"""The customer's page for a line's leftover credit, customer service asking on a customer's behalf,
and finance deciding and downloading the SEPA file: once per form key; bad input changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from simrenew.ledger import service as ledger
from simrenew.lines.models import LineStatus
from simrenew.lines.queries import balances
from simrenew.payouts.models import LeftoverCreditRequest, LeftoverStatus, PayoutBatch
from simrenew.staff.roles import CUSTOMER_SERVICE, FINANCE
from tests.factories import create_customer, link
from tests.payouts.factories import IBAN, ended_line, payout_brand
from tests.staff.factories import create_staff_user, staff_session
from tests.web.form_keys import form_key

pytestmark = pytest.mark.django_db


def customer_client(customer) -> Client:
    client = Client()
    client.force_login(customer)
    return client


def test_a_customer_asks_for_their_credit_once_however_often_the_form_is_sent():
    line = ended_line(payout_brand(fee=200), credit=1500, bonus=300)
    customer = create_customer(email="an@example.be", language="de")
    link(customer, line)
    client = customer_client(customer)
    url = reverse("portal:leftover_credit", kwargs={"line_id": line.pk})
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "€13.00" in html and "€3.00" in html  # paid to you, and the bonus shown as not paid back
    data = {"form_key": form_key(page), "iban": "BE68 5390 0754 7034", "holder_name": "An Peeters"}

    first, second = client.post(url, data), client.post(url, data)

    assert first.status_code == second.status_code == 302
    made = LeftoverCreditRequest.objects.get()
    assert (made.customer, made.requested_by, made.language, made.email) == (customer, None, "de", "an@example.be")
    assert (made.amount, made.payout_amount, made.iban) == (1500, 1300, IBAN)
    assert "BE•• … 7034" in client.get(url).content.decode()
    assert url in client.get(reverse("portal:line", kwargs={"line_id": line.pk})).content.decode()  # linked


@pytest.mark.parametrize(
    ("iban", "holder", "message"),
    [
        ("BE68 5390 0754 7035", "An", "This is not a valid IBAN"),
        ("BE68\uff15390 0754 7034", "An", "This is not a valid IBAN"),
        ("", "An", "Enter the IBAN"),
        (IBAN, "", "Enter the account holder"),
    ],
)
def test_bad_input_gets_an_error_next_to_the_field_and_records_nothing(iban, holder, message):
    line = ended_line()
    customer = create_customer()
    link(customer, line)
    client = customer_client(customer)
    url = reverse("portal:leftover_credit", kwargs={"line_id": line.pk})
    response = client.post(url, {"form_key": form_key(client.get(url)), "iban": iban, "holder_name": holder})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LeftoverCreditRequest.objects.exists()


def test_an_active_line_offers_no_form_and_someone_elses_line_is_a_404():
    line = ended_line(status=LineStatus.ACTIVE)
    customer = create_customer()
    link(customer, line)
    client = customer_client(customer)
    html = client.get(reverse("portal:leftover_credit", kwargs={"line_id": line.pk})).content.decode()
    assert "only once the line is terminated or ported out" in html
    assert 'name="iban"' not in html
    stranger = customer_client(create_customer())
    assert stranger.get(reverse("portal:leftover_credit", kwargs={"line_id": line.pk})).status_code == 404


def test_customer_service_asks_on_behalf_and_finance_approves_then_pays_in_a_file():
    brand = payout_brand(fee=100)
    line = ended_line(brand, credit=2100, status=LineStatus.PORTED_OUT)
    agent = staff_session(create_staff_user(CUSTOMER_SERVICE))
    ask_url = reverse("backoffice:leftover_on_behalf")
    data = {
        "number": line.display,
        "iban": "NL91 ABNA 0417 1643 00",
        "holder_name": "Sam Janssens",
        "email": "sam@example.be",
        "language": "fr",
    }
    response = agent.post(ask_url, {**data, "form_key": form_key(agent.get(ask_url))})
    assert response.status_code == 302
    made = LeftoverCreditRequest.objects.get()
    assert (made.requested_by.has_perm("payouts.request_leftover_payout"), made.language, made.payout_amount) == (
        True,
        "fr",
        2000,
    )

    finance = staff_session(create_staff_user(FINANCE))
    list_url = reverse("backoffice:leftover")
    key = form_key(finance.get(list_url + "?status=requested"))
    approve_url = reverse("backoffice:leftover_approve", kwargs={"request_id": made.pk})
    assert finance.post(approve_url, {"form_key": key}).status_code == 302
    assert finance.post(approve_url, {"form_key": key}).status_code == 302  # a double click: once
    made.refresh_from_db()
    assert made.status == LeftoverStatus.APPROVED
    assert balances(line).credit_amount == 0

    page = finance.get(list_url)
    assert "€20.00" in page.content.decode()
    create_url = reverse("backoffice:leftover_batch_create")
    key = form_key(page)
    assert finance.post(create_url, {"form_key": key, "brand": brand.pk}).status_code == 302
    assert finance.post(create_url, {"form_key": key, "brand": brand.pk}).status_code == 302
    batch = PayoutBatch.objects.get()
    made.refresh_from_db()
    assert (made.status, made.batch) == (LeftoverStatus.PAID, batch)
    download = finance.get(reverse("backoffice:leftover_batch_file", kwargs={"batch_id": batch.pk}))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{batch.message_id}.xml"'
    body = download.content.decode()
    assert "<IBAN>NL91ABNA0417164300</IBAN>" in body and '<InstdAmt Ccy="EUR">20.00</InstdAmt>' in body
    assert ledger.verify() == []


def test_customer_service_cannot_approve_and_an_unknown_number_changes_nothing():
    made_line = ended_line()
    agent = staff_session(create_staff_user(CUSTOMER_SERVICE))
    ask_url = reverse("backoffice:leftover_on_behalf")
    response = agent.post(
        ask_url,
        {
            "form_key": form_key(agent.get(ask_url)),
            "number": "0470 99 99 99",
            "iban": IBAN,
            "holder_name": "Sam",
            "email": "sam@example.be",
            "language": "nl",
        },
    )
    assert response.status_code == 400
    assert "not a line of ours" in response.content.decode()
    assert not LeftoverCreditRequest.objects.exists()
    assert made_line.pk
    approve_url = reverse("backoffice:leftover_approve", kwargs={"request_id": 1})
    assert agent.post(approve_url, {"form_key": "0" * 32}).status_code == 403
