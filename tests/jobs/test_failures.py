"""Which failures are retried, and how long the worker waits."""

import smtplib
from datetime import timedelta

import pytest
import requests
from django.db import InterfaceError, OperationalError

from simrenew.jobs.failures import backoff, is_transient
from simrenew.payments.provider import ProviderError, ProviderRefused


def http_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(f"{status}", response=response)


@pytest.mark.parametrize(
    "exc",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
        requests.ConnectionError("refused"),
        requests.Timeout("read timed out"),
        http_error(502),
        http_error(429),
        ConnectionRefusedError(111, "refused"),
        TimeoutError(),
        smtplib.SMTPServerDisconnected("gone"),
        smtplib.SMTPResponseException(451, b"try again later"),
        ProviderError("Mollie could not be reached"),
    ],
)
def test_transient_failures_are_retried(exc: BaseException) -> None:
    assert is_transient(exc) is True


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("bad data"),
        KeyError("bug"),
        http_error(404),
        smtplib.SMTPResponseException(550, b"no such user"),
        ProviderRefused("Mollie said no: 422"),
    ],
)
def test_permanent_failures_are_not(exc: BaseException) -> None:
    assert is_transient(exc) is False


def test_an_error_raised_from_a_transient_one_is_transient() -> None:
    try:
        try:
            raise requests.ConnectionError("refused")
        except requests.ConnectionError as inner:
            raise RuntimeError("fetching the status failed") from inner
    except RuntimeError as outer:
        assert is_transient(outer) is True


def test_an_exception_that_says_it_is_permanent_wins_over_its_cause() -> None:
    try:
        try:
            raise requests.ConnectionError("refused")
        except requests.ConnectionError as inner:
            raise ProviderRefused("refused") from inner
    except ProviderRefused as outer:
        assert is_transient(outer) is False


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    for attempt, ceiling in [(1, 5), (2, 10), (3, 20), (4, 40), (10, 60)]:
        waits = {backoff(attempt=attempt, base=5, cap=60) for _ in range(50)}
        assert all(timedelta(seconds=ceiling / 2) <= wait <= timedelta(seconds=ceiling) for wait in waits)
        assert len(waits) > 1  # jittered, not one fixed wait
