"""The job both queues run in bench/queues.py: one real write, as a typical job's side effect."""

import time

from django.db import connection, transaction
from django.tasks import task

SQL = "UPDATE ops_checkrun SET duration_ms = duration_ms + 1 WHERE name = 'queue-bench'"


def _write(enqueued: float) -> float:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SQL)
    return time.time() - enqueued


@task()
def touch(enqueued: float) -> float:
    """On simrenew's database queue: returns how long after its enqueue it ran."""
    return _write(enqueued)
