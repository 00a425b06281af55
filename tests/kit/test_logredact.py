"""kit.logredact: phone numbers, e-mail addresses and secrets never reach a log line."""

import logging

import pytest

from simrenew.kit.logredact import RedactFilter, redact


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
    ],
)
def test_redact_hides_numbers_emails_and_keys(text, expected):
    assert redact(text) == expected


def test_redact_keeps_ordinary_text_and_ids():
    text = "order SR-ABCD2345 for 1500 cents, journal 42, iccid check ok"
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
    assert record.args == ("SR-1",)
    assert record.getMessage() == "order SR-1 paid"
