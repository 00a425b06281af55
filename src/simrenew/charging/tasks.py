"""Charging jobs: close sessions that stopped reporting (their holds return)."""

from django.tasks import task

from simrenew.charging import clients, service


@task()
def expire_sessions() -> int:
    """`charging.expire_sessions`: idempotent; each session is closed once under its line's lock."""
    closed = service.expire_sessions()
    clients.prune_nonces()
    return closed
