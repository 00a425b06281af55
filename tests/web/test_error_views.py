"""A request that meets a database that is briefly gone (a restart, a failover, a dropped connection)
gets 503 with Retry-After in the user's language, as a page or as API JSON; any other failure is 500.

The database refuses every connection in these tests, so the answer itself cannot have used it."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from simrenew.web.error_views import database_unreachable
from tests.factories import create_customer


@pytest.fixture
def client() -> Client:
    # Let the handler answer, as it does for a real visitor, instead of raising in the test.
    return Client(raise_request_exception=False)


def refuse_connections(self: BaseDatabaseWrapper) -> None:
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def database_down(monkeypatch):
    """Every connection attempt fails as it does while PostgreSQL restarts."""
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse_connections)


@pytest.fixture
def unreachable_database(tmp_path: Path) -> Iterator[None]:
    """The real connection goes, and the next one is refused: a port nobody listens on (PostgreSQL)
    or a file that cannot be opened (SQLite)."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    else:
        connection.settings_dict["NAME"] = str(tmp_path / "missing" / "db.sqlite3")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_a_database_that_refuses_connections_gets_503(client, unreachable_database):
    response = client.get("/fr/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Le service est momentanément indisponible." in response.content.decode()


def test_a_page_answers_503_with_retry_after_in_the_users_language(client, database_down):
    response = client.get("/nl/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert '<html lang="nl">' in page
    assert "<title>Even niet beschikbaar · simrenew</title>" in page
    assert "De dienst is even niet beschikbaar. Probeer het over een paar seconden opnieuw." in page
    assert '<a href="/nl/">Opnieuw proberen</a>' in page


def test_an_api_call_answers_503_with_the_apis_error_body(client, database_down):
    response = client.get("/api/public/brands", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "code": "unavailable",
        "detail": "Le service est momentanément indisponible. Veuillez réessayer dans quelques secondes.",
    }


@pytest.mark.django_db
def test_a_signed_in_customer_whose_session_cannot_be_read_gets_503(client, monkeypatch):
    client.force_login(create_customer(language="de"))
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse_connections)

    response = client.get("/de/account/")

    assert response.status_code == 503
    assert "Der Dienst ist kurz nicht verfügbar." in response.content.decode()


def test_a_connection_closed_under_a_view_is_503_too(client, monkeypatch):
    def closed(self: BaseDatabaseWrapper) -> None:
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", closed)

    response = client.get("/en/", HTTP_ACCEPT_LANGUAGE="de")  # the language in the URL wins

    assert response.status_code == 503
    assert "The service is briefly unavailable, please try again in a few seconds." in response.content.decode()


def test_any_other_failure_stays_a_500(client, monkeypatch):
    def bug(self: BaseDatabaseWrapper) -> None:
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", bug)

    response = client.get("/en/")

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert b"briefly unavailable" not in response.content


def test_a_failure_caused_by_a_lost_connection_counts_as_one():
    try:
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError as lost:
            raise RuntimeError("the order could not be read") from lost
    except RuntimeError as failure:
        assert database_unreachable(failure)
    assert not database_unreachable(RuntimeError("a bug"))
    assert not database_unreachable(None)
