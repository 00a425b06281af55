"""`simrenew worker`: run background jobs (retries, leases, dead letters: see simrenew.jobs)."""

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from simrenew.jobs.worker import Worker


class Command(BaseCommand):
    help = "Run the background job worker until stopped (SIGTERM: after the current job)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default="", help="comma-separated queues (default: every queue of the backend)")
        parser.add_argument("--backend", default="default", help="the task backend alias (default: default)")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
        parser.add_argument("--batch", action="store_true", help="run what is due now, then exit")
        parser.add_argument("--max-jobs", type=int, default=None, help="exit after this many jobs")
        parser.add_argument("--worker-id", default=None, help="unique per worker (default: host:pid:random)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        queues = [name.strip() for name in options["queue"].split(",") if name.strip()] or None
        worker = Worker(
            backend_alias=options["backend"],
            queues=queues,
            interval=max(0.05, options["interval"]),
            batch=options["batch"],
            max_jobs=options["max_jobs"],
            worker_id=options["worker_id"],
        )
        worker.install_signal_handlers()
        ran = worker.run()
        self.stdout.write(f"worker {worker.worker_id}: {ran} job(s) run")
