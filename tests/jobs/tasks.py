"""Tasks the job tests enqueue: each counts its calls and fails as the test tells it to."""

from collections import Counter

import requests
from django.tasks import task

calls: Counter[str] = Counter()
# How many times each task fails before it succeeds.
failures_left: Counter[str] = Counter()


@task()
def add(a: int, b: int) -> int:
    calls["add"] += 1
    return a + b


@task()
def flaky_provider(key: str) -> str:
    """Fails like an unreachable provider until its failures are used up."""
    calls[key] += 1
    if failures_left[key] > 0:
        failures_left[key] -= 1
        raise requests.ConnectionError("connection refused")
    return "done"


@task()
def broken(key: str) -> None:
    calls[key] += 1
    raise ValueError("a bug: retrying does the same thing")


seen_request_ids: list[str] = []


@task()
def note_request_id() -> None:
    """Records the request id its log lines would carry, and queues a follow-up job."""
    from simrenew.kit import requestid

    seen_request_ids.append(requestid.current())
    if len(seen_request_ids) == 1:
        note_request_id.enqueue()
