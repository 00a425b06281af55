"""notifications: rendering e-mails, the dev outbox, SMS, and sending only after commit."""

import pytest
from django.db import transaction

from simrenew.notifications import service as notifications
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.notifications.sms import OutboxSmsGateway, get_gateway
from simrenew.notifications.templatetags.formatting import allowance, data_mb, minutes, money, money_off, sms

pytestmark = pytest.mark.django_db

LINK = "http://127.0.0.1:8000/en/verify-email/MQ/abc/"


def test_render_email_gives_a_one_line_subject_and_both_bodies():
    subject, text, html = notifications.render_email(template="verify_email", context={"link": LINK}, language="en")
    assert subject == "Verify your e-mail address for simrenew"
    assert "\n" not in subject
    assert LINK in text
    assert f'href="{LINK}"' in html


def test_send_email_now_stores_text_and_html_in_the_outbox():
    notifications.send_email_now(
        to="jan@example.be", template="verify_email", context={"link": LINK}, language="en", message_key="verify:1"
    )
    message = OutboxMessage.objects.get()
    assert (message.kind, message.recipient) == (OutboxKind.EMAIL, "jan@example.be")
    assert message.subject == "Verify your e-mail address for simrenew"
    assert LINK in message.body
    assert f'href="{LINK}"' in message.html_body


def test_sms_goes_to_the_outbox():
    reference = notifications.send_sms_now(to="+32470123456", text="hello")
    message = OutboxMessage.objects.get()
    assert reference == f"outbox-{message.pk}"
    assert (message.kind, message.recipient, message.body, message.subject) == (
        OutboxKind.SMS,
        "+32470123456",
        "hello",
        "",
    )


def test_an_unknown_sms_gateway_is_a_configuration_error(settings):
    assert isinstance(get_gateway(), OutboxSmsGateway)
    settings.SMS_GATEWAY = "carrier-pigeon"
    with pytest.raises(RuntimeError, match="unknown SMS_GATEWAY 'carrier-pigeon'"):
        get_gateway()


def test_after_commit_sends_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            notifications.after_commit(lambda: notifications.send_sms_now(to="+32470123456", text="kept"))
            assert OutboxMessage.objects.count() == 0
        with pytest.raises(RuntimeError), transaction.atomic():
            notifications.after_commit(lambda: notifications.send_sms_now(to="+32470123456", text="lost"))
            raise RuntimeError("rolled back")
    assert list(OutboxMessage.objects.values_list("body", flat=True)) == ["kept"]


def test_formatting_filters_in_english():
    assert money(1500) == "€15.00"
    assert money(None) == ""
    assert data_mb(None) == "Unlimited"
    assert data_mb(512) == "512 MB"
    assert data_mb(3072) == "3 GB"
    assert data_mb(1536) == "1.5 GB"
    assert allowance(None) == "Unlimited"
    assert allowance(120) == "120"
    assert minutes(120) == "120 min"
    assert minutes(None) == "unlimited calls"
    assert sms(50) == "50 SMS"
    assert sms(None) == "unlimited SMS"


def test_an_amount_taken_off_is_a_negative_amount_written_the_languages_way():
    from django.utils import translation

    assert money_off(200) == "-€2.00"
    assert money_off(0) == "€0.00"  # nothing taken off: no minus
    assert money_off(None) == ""
    with translation.override("nl"):
        # as Dutch writes a negative amount, the same as money() of one (the settlement's float movement)
        assert money_off(1900) == money(-1900) == "€\xa0-19,00"
        assert money_off(0) == "€\xa00,00"


def test_formatting_filters_use_the_languages_decimal_mark():
    from django.utils import translation

    with translation.override("nl"):
        assert "1,5" in data_mb(1536)
        assert "15,00" in money(1500)
    with translation.override("fr"):
        assert "1,5" in data_mb(1536)
