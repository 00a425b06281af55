"""Keeps phone numbers, e-mail addresses, tokens, codes and query strings out of log lines.

RedactFilter cleans a record's message and its extra fields (e.g. the `request` Django's request
logger attaches); the formatters below clean tracebacks too. Every handler in settings.LOGGING and
in gunicorn's logging (simrenew.gunicorn_conf, for the access log) uses both.
"""

import logging
import re
from types import TracebackType

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

_NOT_URL = r"\s\"'<>\\"
_PATTERNS = [
    # A query string may carry anything (a receipt's ?code=, a number to top up, a token): only the
    # path of a URL is logged.
    (re.compile(rf"((?:https?://[^{_NOT_URL}/?#]+)?/[^{_NOT_URL}?#]*)\?[^{_NOT_URL}#]*"), r"\1?[query]"),
    # Django's password-reset and e-mail-verification links: /<uidb64>/<timestamp-hash>/.
    (
        re.compile(rf"(/(?:password-reset|verify-email|reset)/)[^{_NOT_URL}/?]+/[^{_NOT_URL}/?]+"),
        r"\1[uid]/[token]",
    ),
    (re.compile(r"(?<![\w-])[0-9a-z]{1,13}-[0-9a-f]{20,}(?![\w-])"), "[token]"),
    (re.compile(r"(?<!\d)(?:\+|00)?32[\s/.-]?4\d{2}(?:[\s/.-]?\d{2}){3}(?!\d)"), "[msisdn]"),
    (re.compile(r"(?<!\d)04\d{2}(?:[\s/.-]?\d{2}){3}(?!\d)"), "[msisdn]"),
    # Voucher PINs (13-15 digits), ICCIDs, card numbers: any long run of digits.
    (re.compile(r"(?<!\d)\d{12,22}(?!\d)"), "[digits]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"\b(live|test)_[A-Za-z0-9]{8,}\b"), r"\1_[key]"),
    (
        re.compile(rf"([\w-]*(?:password|secret|token|api_key|code|pin|otp))=[^{_NOT_URL}&]+", re.IGNORECASE),
        r"\1=[redacted]",
    ),
]
# Attributes every LogRecord has; anything else on a record is an `extra` and is redacted too.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}

type _ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redacted(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(value if isinstance(value, str) else str(value))


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # The formatted message replaces msg and args: a handler further on must not format the raw
        # arguments again (gunicorn's access record carries the whole request in its args).
        record.msg, record.args = redact(record.getMessage()), None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _RECORD_ATTRIBUTES:
                setattr(record, name, _redacted(value))
        return True


class RedactingFormatter(logging.Formatter):
    """The plain text formatter, with tracebacks redacted (a traceback quotes values and URLs)."""

    def formatException(self, ei: _ExcInfo) -> str:
        return redact(super().formatException(ei))


class JsonFormatter(_JsonFormatter):
    """One JSON object per line (python-json-logger), with tracebacks redacted."""

    def formatException(self, ei: _ExcInfo) -> str | list[str]:  # type: ignore[override]
        formatted = super().formatException(ei)  # a list of lines with exc_info_as_array
        return redact(formatted) if isinstance(formatted, str) else [redact(line) for line in formatted]
