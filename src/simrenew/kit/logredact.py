"""A logging filter that keeps phone numbers, e-mail addresses and secrets out of log lines."""

import logging
import re

_PATTERNS = [
    (re.compile(r"(?<!\d)(?:\+|00)?32\s?4\d{2}(?:[\s.]?\d{2}){3}(?!\d)"), "[msisdn]"),
    (re.compile(r"(?<!\d)04\d{2}(?:[\s.]?\d{2}){3}(?!\d)"), "[msisdn]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"\b(live|test)_[A-Za-z0-9]{8,}\b"), r"\1_[key]"),
    (re.compile(r"(password|secret|token|api_key)=\S+", re.IGNORECASE), r"\1=[redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
