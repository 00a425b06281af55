"""The back office's support inbox: customer service finds cases, answers by e-mail in the customer's
language (the reference in the subject), and the conversation stays on the case. Other roles may not."""

import smtplib

import pytest
from django.urls import reverse
from django.utils import translation

from simrenew.notifications.models import OutboxMessage
from simrenew.staff.roles import ADMINISTRATOR, CUSTOMER_SERVICE, FINANCE, MARKETING
from simrenew.support import service
from simrenew.support.models import Case, CaseStatus, Direction, Message
from tests.factories import create_customer
from tests.staff.factories import create_staff_user, staff_session

pytestmark = pytest.mark.django_db

FORM_KEY = "0123456789abcdef0123456789abcdef"


def open_case(*, language: str = "nl", email: str = "an@example.be", name: str = "An", **kwargs: object) -> Case:
    return service.open_case(
        name=name,
        email=email,
        topic="fees",
        body="Why is my total higher than the price?",
        language=language,
        actor=f"test:{email}",
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def agent():
    user = create_staff_user(CUSTOMER_SERVICE, email="sam@operator.example")
    user.full_name = "Sam Janssens"
    user.save()
    return user


def backoffice(name: str, language: str = "en", **kwargs: object) -> str:
    with translation.override(language):
        return reverse(f"backoffice:{name}", kwargs=kwargs or None)


def test_the_inbox_lists_open_cases_and_filters_and_searches(agent):
    first = open_case(email="an@example.be")
    second = open_case(email="bo@example.be")
    closed = open_case(email="cy@example.be")
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    client = staff_session(agent)

    page = client.get(backoffice("support")).content.decode()
    assert first.reference in page and second.reference in page
    assert closed.reference not in page  # open cases by default

    everything = client.get(backoffice("support"), {"status": ""}).content.decode()
    assert closed.reference in everything
    by_address = client.get(backoffice("support"), {"status": "", "q": "BO@example"}).content.decode()
    assert second.reference in by_address and first.reference not in by_address
    by_reference = client.get(backoffice("support"), {"status": "", "q": first.reference[3:].lower()}).content.decode()
    assert first.reference in by_reference and second.reference not in by_reference


def test_a_bad_filter_shows_the_open_cases_without_a_500(agent):
    open_case()
    response = staff_session(agent).get(backoffice("support"), {"status": "nonsense", "q": "x" * 500})
    assert response.status_code == 200


def test_an_answer_is_e_mailed_in_the_customers_language_and_kept_on_the_case(
    agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(language="nl", name="An Peeters")
    client = staff_session(agent)
    page = client.get(backoffice("support_case", case_id=case.pk)).content.decode()
    assert "Why is my total higher than the price?" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            backoffice("support_answer", case_id=case.pk),
            {"message": "Dag An,\nhet verschil is de kost van PayPal.", "form_key": FORM_KEY},
        )
    assert (response.status_code, response.url) == (302, backoffice("support_case", case_id=case.pk))
    case.refresh_from_db()
    assert case.status == CaseStatus.ANSWERED
    answer = case.messages.get(direction=Direction.OUT)
    assert (answer.author, answer.author_name, answer.sent_at is not None) == (agent, "Sam", True)
    mail = OutboxMessage.objects.order_by("id").last()
    assert mail.recipient == "an@example.be"
    with translation.override("nl"):
        subject = translation.gettext("Customer service answered your question")
    assert mail.subject == f"[{case.reference}] {subject}"
    assert "het verschil is de kost van PayPal." in mail.body
    assert f"/nl/help/contact/?reference={case.reference}" in mail.body
    conversation = client.get(backoffice("support_case", case_id=case.pk)).content.decode()
    assert "het verschil is de kost van PayPal." in conversation


def test_a_double_submitted_answer_is_sent_once(agent, django_capture_on_commit_callbacks):
    case = open_case()
    client = staff_session(agent)
    data = {"message": "Thank you, it is fixed.", "form_key": FORM_KEY}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(backoffice("support_answer", case_id=case.pk), data)
        client.post(backoffice("support_answer", case_id=case.pk), data)
    assert case.messages.filter(direction=Direction.OUT).count() == 1
    assert OutboxMessage.objects.filter(subject__startswith=f"[{case.reference}]").count() == 1


def test_an_empty_answer_is_refused_and_nothing_is_sent(agent):
    case = open_case()
    before = (Message.objects.count(), OutboxMessage.objects.count())
    response = staff_session(agent).post(
        backoffice("support_answer", case_id=case.pk), {"message": "   ", "form_key": FORM_KEY}
    )
    assert response.status_code == 400
    assert "Write your answer." in response.content.decode()
    assert (Message.objects.count(), OutboxMessage.objects.count()) == before
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_an_answer_that_could_not_be_sent_is_kept_and_sent_again(
    agent, monkeypatch, django_capture_on_commit_callbacks
):
    case = open_case(language="fr")
    client = staff_session(agent)

    def refuse(**kwargs: object) -> None:
        raise smtplib.SMTPServerDisconnected("mail server away")

    with monkeypatch.context() as patch:
        patch.setattr(service.notifications, "send_email_now", refuse)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(backoffice("support_answer", case_id=case.pk), {"message": "Bonjour", "form_key": FORM_KEY})
    answer = case.messages.get(direction=Direction.OUT)
    assert (answer.sent_at, answer.send_error) == (None, "mail server away")
    assert "not sent yet" in client.get(backoffice("support_case", case_id=case.pk)).content.decode()

    response = client.post(backoffice("support_send", case_id=case.pk, message_id=answer.pk))
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.sent_at is not None and answer.send_error == ""
    assert OutboxMessage.objects.filter(recipient="an@example.be", body__contains="Bonjour").count() == 1
    # sent is sent: asking again sends nothing more
    client.post(backoffice("support_send", case_id=case.pk, message_id=answer.pk))
    assert OutboxMessage.objects.filter(body__contains="Bonjour").count() == 1


def test_closing_and_reopening_a_case(agent):
    case = open_case()
    client = staff_session(agent)
    client.post(backoffice("support_status", case_id=case.pk), {"status": "closed"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    client.post(backoffice("support_status", case_id=case.pk), {"status": "open"})
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert client.post(backoffice("support_status", case_id=case.pk), {"status": "answered"}).status_code == 404


@pytest.mark.parametrize("role", [MARKETING, FINANCE])
def test_other_roles_may_not_read_or_answer(role):
    case = open_case()
    client = staff_session(create_staff_user(role))
    assert client.get(backoffice("support")).status_code == 403
    assert client.get(backoffice("support_case", case_id=case.pk)).status_code == 403
    response = client.post(backoffice("support_answer", case_id=case.pk), {"message": "hi", "form_key": FORM_KEY})
    assert response.status_code == 403
    assert case.messages.count() == 1


def test_an_administrator_may_answer():
    case = open_case()
    client = staff_session(create_staff_user(ADMINISTRATOR))
    client.post(backoffice("support_answer", case_id=case.pk), {"message": "Done.", "form_key": FORM_KEY})
    assert case.messages.filter(direction=Direction.OUT).count() == 1


def test_a_customer_or_a_visitor_never_sees_the_inbox(client):
    case = open_case()
    assert client.get(backoffice("support")).status_code == 302
    client.force_login(create_customer())
    assert client.get(backoffice("support_case", case_id=case.pk)).status_code == 403


def test_an_unknown_case_is_a_404(agent):
    assert staff_session(agent).get(backoffice("support_case", case_id=999999)).status_code == 404


# --- Privacy --------------------------------------------------------------------------------------


def test_deleting_an_account_forgets_the_person_on_its_cases():
    customer = create_customer(email="an@example.be")
    mine = open_case(customer=customer)
    by_address = open_case(email="AN@example.be")
    other = open_case(email="bo@example.be")
    assert service.forget_customer(customer_id=customer.pk, email=customer.email) == 2
    for case in (mine, by_address):
        case.refresh_from_db()
        assert (case.name, case.email, case.customer, case.status) == ("", "", None, CaseStatus.CLOSED)
        assert list(case.messages.values_list("body", flat=True)) == [""]
    other.refresh_from_db()
    assert other.email == "bo@example.be"
