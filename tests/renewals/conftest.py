import pytest

from tests.factories import start_in_english  # noqa: F401 - an autouse fixture for every test here


@pytest.fixture
def site(live_server, settings) -> str:
    """The live server wired as in the demo: the payment client, webhooks and links all point at it."""
    settings.SITE_URL = settings.PUBLIC_URL = live_server.url
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    return live_server.url


@pytest.fixture
def run_tick(django_capture_on_commit_callbacks):
    """One scheduler tick at the test's clock, running what each transaction leaves for after commit
    (sending notices) as the worker would."""
    from tests.lifecycle import tick

    def run() -> dict[str, dict[str, int]]:
        with django_capture_on_commit_callbacks(execute=True):
            return tick()

    return run
