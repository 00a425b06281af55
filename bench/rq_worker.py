"""An RQ worker with Django set up once in the parent, as `manage.py rqworker` (django-rq) runs it:
a forking worker's work horses then start from a ready Django.

    python bench/rq_worker.py REDIS_URL QUEUE [simple]
"""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")
django.setup()

from redis import Redis  # noqa: E402
from rq import Queue, SimpleWorker, Worker  # noqa: E402

if __name__ == "__main__":
    url, name = sys.argv[1], sys.argv[2]
    connection = Redis.from_url(url)
    worker_class = SimpleWorker if sys.argv[3:] == ["simple"] else Worker
    worker_class([Queue(name, connection=connection)], connection=connection).work(burst=True, logging_level="WARNING")
