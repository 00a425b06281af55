"""Shared test setup: immediate tasks, an in-memory outbox, and the factories."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True, scope="session")
def _machine_api_routing():
    """The test client routes requests as simrenew.wsgi.application does (simrenew.handlers): the
    machine APIs through their own middleware chain, the rest through settings.MIDDLEWARE."""
    from django.test import client

    from simrenew.handlers import routing_client_handler

    original = client.ClientHandler
    client.ClientHandler = routing_client_handler()  # what django.test.Client makes its handler with
    yield
    client.ClientHandler = original


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    # Tests roll back what they wrote (and run on-commit callbacks inside that transaction), so a
    # row a process cache kept from one test may not exist in the next.
    from simrenew.ledger.service import clear_account_cache
    from simrenew.reference import cache as reference

    clear_account_cache()
    reference.clear()


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = True
    # pytest-django swaps in locmem; tests read the dev outbox, as a person using the demo would.
    settings.MAILERS = {"default": {"BACKEND": "simrenew.notifications.outbox.OutboxEmailBackend"}}


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's admin_client, past the second factor the admin asks of every superuser."""
    from tests.staff.factories import staff_session

    return staff_session(admin_user)
