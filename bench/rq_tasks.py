"""The job of bench/queues.py for RQ: a plain function; the worker sets Django up on first use."""

import os
import time


def touch(enqueued: float) -> float:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")
    django.setup()  # once per process: a second call returns at once
    from django.db import connection, transaction
    from queue_tasks import SQL

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SQL)
    return time.time() - enqueued
