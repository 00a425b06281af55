"""Fixtures for the payment sandbox: the official Mollie client aimed at the live server, and a
real HTTP server that records the webhooks it receives."""

from collections.abc import Iterator

import pytest
from mollie.api.client import Client

from tests.sandbox.helpers import TEST_KEY, WebhookReceiver


@pytest.fixture
def sandbox_endpoint(live_server, settings) -> str:
    endpoint = live_server.url + "/sandbox/mollie"
    settings.MOLLIE_API_ENDPOINT = endpoint
    settings.MOLLIE_API_KEY = TEST_KEY
    return endpoint


@pytest.fixture
def mollie(sandbox_endpoint) -> Client:
    client = Client(api_endpoint=sandbox_endpoint)
    client.set_api_key(TEST_KEY)
    return client


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver
