"""`simrenew scheduler`: every minute, queue the lifecycle tick (expiry, grace, auto-renew, reminders,
notifications) for the task worker; `--once` runs one tick here and now; `--at` runs it as if the
clock showed that time (tests and the demo).

Run two (or more) for safety: only the leader (renewals.leader) queues ticks; the others wait and
take over within seconds when it dies."""

import contextlib
import signal
import time
from datetime import datetime
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from simrenew.jobs import queries as jobs
from simrenew.renewals import leader, scheduler
from simrenew.renewals.tasks import tick


def parse_moment(text: str) -> datetime:
    moment = parse_datetime(text)
    if moment is None:
        raise CommandError(f"--at expects an ISO date and time, e.g. 2026-05-01T10:00:00+02:00; got {text!r}")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # read in TIME_ZONE (Europe/Brussels)
    return moment


class Command(BaseCommand):
    help = "Run the lifecycle scheduler: a tick every minute (queued for the worker), or --once / --at."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one tick in this process and exit")
        parser.add_argument("--at", help="with --once: run the tick as if it were this time (ISO 8601)")
        parser.add_argument("--interval", type=int, default=60, help="seconds between ticks (default 60)")
        parser.add_argument("--inline", action="store_true", help="run ticks in this process, not in the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["at"] or options["once"]:
            outcomes = scheduler.run_at(parse_moment(options["at"])) if options["at"] else scheduler.tick()
            for outcome in outcomes:
                state = outcome.error or ("ok" if outcome.ran else "skipped (running elsewhere)")
                details = ", ".join(f"{key}={value}" for key, value in sorted(outcome.result.items()) if value)
                self.stdout.write(f"{outcome.name}: {state}{' — ' + details if details else ''}")
            return
        interval = max(5, options["interval"])
        me = scheduler.owner()
        self.stdout.write(f"scheduler {me}: a tick every {interval} s ({'inline' if options['inline'] else 'queued'})")
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        leading, next_tick = False, 0.0
        while not stopping:
            try:
                was_leading, leading = leading, leader.hold(me)
                if leading != was_leading:
                    self.stdout.write(f"scheduler {me}: {'leading' if leading else 'following'}")
                if leading and time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + interval
                    if options["inline"]:
                        scheduler.tick()
                    elif not jobs.is_pending(tick.module_path):
                        # One tick waiting is enough: a worker that was down does not face a pile of them.
                        tick.enqueue()
                    leader.note_tick(me)
            except Exception as exc:  # the database may be restarting: not leading until it answers
                leading = False
                connections.close_all()
                self.stderr.write(f"scheduler {me}: {type(exc).__name__}: {exc}")
            time.sleep(leader.renew_seconds())
        if leading:
            with contextlib.suppress(Exception):
                leader.step_down(me)
