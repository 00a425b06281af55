import pytest

from tests.jobs import tasks


@pytest.fixture
def job_backend(settings):  # type: ignore[no-untyped-def]
    """simrenew's database queue instead of the immediate backend, with short waits."""
    settings.TASKS = {
        "default": {
            "BACKEND": "simrenew.jobs.backend.DatabaseBackend",
            "QUEUES": ["default"],
            "OPTIONS": {"MAX_ATTEMPTS": 4, "RETRY_BASE_SECONDS": 10, "RETRY_MAX_SECONDS": 60, "LEASE_SECONDS": 30},
        }
    }
    tasks.calls.clear()
    tasks.failures_left.clear()
    return settings.TASKS
