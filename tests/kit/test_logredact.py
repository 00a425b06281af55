"""kit.logredact: phone numbers, e-mail addresses and secrets never reach a log line."""

import json
import logging
import sys

import pytest

from simrenew.kit.logredact import JsonFormatter, RedactFilter, RedactingFormatter, redact

TOKEN = "c4k2hs-0f3e5d6a7b8c9d0e1f2a3b4c5d6e7f80"  # the shape of Django's password-reset tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("line +32470123456 renewed", "line [msisdn] renewed"),
        ("line 0032470123456 renewed", "line [msisdn] renewed"),
        ("line 0470 12 34 56 renewed", "line [msisdn] renewed"),
        ("line 0470.12.34.56 renewed", "line [msisdn] renewed"),
        ("line 0470123456 renewed", "line [msisdn] renewed"),
        ("mail to jan.peeters+sim@example.be failed", "mail to [email] failed"),
        ("key live_AbCdEf123456 used", "key live_[key] used"),
        ("key test_simrenewdemo0000 used", "key test_[key] used"),
        ("password=hunter2 token=abc.def", "password=[redacted] token=[redacted]"),
        ("SECRET=xyz API_KEY=k1", "SECRET=[redacted] API_KEY=[redacted]"),
        ("line 0470/12.34.56 renewed", "line [msisdn] renewed"),
        ("line +32-470-12-34-56 renewed", "line [msisdn] renewed"),
        ('"GET /en/receipts/SR-AB12/?code=XK42QZ HTTP/1.1" 200', '"GET /en/receipts/SR-AB12/?[query] HTTP/1.1" 200'),
        (
            "see https://renew.acme.be/en/topup/?number=0470%2012%2034%2056",
            "see https://renew.acme.be/en/topup/?[query]",
        ),
        (f"GET /en/password-reset/MTI/{TOKEN}/", "GET /en/password-reset/[uid]/[token]/"),
        (f"GET /nl/verify-email/MTI/{TOKEN}/ 302", "GET /nl/verify-email/[uid]/[token]/ 302"),
        ("GET /en/password-reset/MTI/set-password/", "GET /en/password-reset/[uid]/[token]/"),
        (f"token {TOKEN} checked", "token [token] checked"),
        ("PIN 123456789012345 redeemed", "PIN [digits] redeemed"),
        ("receipt_code=XK42QZ&lang=en", "receipt_code=[redacted]&lang=en"),
        ('{"otp": "x", "pin=1234"}', '{"otp": "x", "pin=[redacted]"}'),
    ],
)
def test_redact_hides_numbers_emails_and_keys(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "order SR-ABCD2345 for 1500 cents, journal 42, iccid check ok",
        '"GET /en/password-reset/sent/ HTTP/1.1" 200',
        '"POST /en/verify-email/resend/ HTTP/1.1" 302',
        "Not Found: /en/receipts/SR-AB12/",
    ],
)
def test_redact_keeps_ordinary_text_and_ids(text):
    assert redact(text) == text


def test_redact_filter_rewrites_the_formatted_message():
    # given a log record whose arguments carry a number and an address
    record = logging.LogRecord(
        "simrenew", logging.INFO, __file__, 1, "sent code to %s for %s", ("+32470123456", "a@b.be"), None
    )
    # when the filter runs
    kept = RedactFilter().filter(record)
    # then the record is kept with the personal data replaced
    assert kept is True
    assert record.getMessage() == "sent code to [msisdn] for [email]"
    assert record.args is None


def test_redact_filter_leaves_clean_records_alone():
    record = logging.LogRecord("simrenew", logging.INFO, __file__, 1, "order %s paid", ("SR-1",), None)
    assert RedactFilter().filter(record) is True
    assert record.getMessage() == "order SR-1 paid"


class _Request:
    def __str__(self) -> str:
        return "<WSGIRequest: GET '/en/receipts/SR-AB12/?code=XK42QZ'>"


def _record_with_extras() -> logging.LogRecord:
    record = logging.makeLogRecord({"name": "django.request", "levelno": logging.WARNING, "levelname": "WARNING"})
    record.msg, record.args = "Not Found: %s", ("/en/receipts/SR-AB12/",)
    record.status_code, record.request, record.request_id = 404, _Request(), "req-1234abcd"
    return record


def test_redact_filter_cleans_extra_fields():
    # given a record as Django's request logger writes it: the request itself as an extra field
    record = _record_with_extras()
    # when the filter runs
    RedactFilter().filter(record)
    # then the request keeps its path but not its query string; numbers and the request id stay
    assert record.request == "<WSGIRequest: GET '/en/receipts/SR-AB12/?[query]'>"
    assert (record.status_code, record.request_id) == (404, "req-1234abcd")


def _failing_record() -> logging.LogRecord:
    try:
        raise ValueError("no line 0470123456 for jan@example.be")
    except ValueError:
        record = logging.getLogger("simrenew").makeRecord(
            "simrenew", logging.ERROR, __file__, 1, "lookup failed", (), exc_info=sys.exc_info()
        )
    record.request_id = "-"
    return record


def test_plain_lines_redact_the_traceback():
    line = RedactingFormatter("%(levelname)s [%(request_id)s] %(message)s").format(_failing_record())
    assert line.startswith("ERROR [-] lookup failed\nTraceback")
    assert "ValueError: no line [msisdn] for [email]" in line
    assert "0470123456" not in line and "jan@example.be" not in line


def test_json_lines_are_one_object_with_the_request_id_and_a_redacted_traceback():
    formatter = JsonFormatter("%(levelname)s %(name)s %(request_id)s %(message)s")
    record = _failing_record()
    RedactFilter().filter(record)
    line = formatter.format(record)
    assert "\n" not in line
    fields = json.loads(line)
    assert (fields["levelname"], fields["request_id"], fields["message"]) == ("ERROR", "-", "lookup failed")
    assert "ValueError: no line [msisdn] for [email]" in fields["exc_info"]
