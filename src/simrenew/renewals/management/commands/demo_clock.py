"""`simrenew demo_clock advance 8d`: move the demo's clock forward for every process (web server,
worker, scheduler), then run a tick so reminders, expiry and auto-renew happen at once. Only with
DEMO_CLOCK=true (make demo sets it), never in production."""

import re
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from simrenew.kit import clock
from simrenew.renewals import scheduler

UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
PART = re.compile(r"([0-9]{1,6})([wdhm])")  # ASCII digits: int() would read other scripts' too


def parse_duration(text: str) -> timedelta:
    """ "8d", "12h", "1d12h", "2w", "90m" → a timedelta."""
    cleaned = text.strip().lower()
    parts = PART.findall(cleaned)
    if not parts or "".join(number + unit for number, unit in parts) != cleaned:
        raise CommandError(f"durations look like 8d, 12h, 1d12h, 2w or 90m; got {text!r}")
    try:
        return timedelta(**{UNITS[unit]: sum(int(n) for n, u in parts if u == unit) for _, unit in parts})
    except OverflowError:
        raise CommandError(f"{text!r} is further than the clock can go") from None


class Command(BaseCommand):
    help = "Show, advance or reset the demo clock (DEMO_CLOCK=true only; never in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["show", "advance", "reset"])
        parser.add_argument("duration", nargs="?", help="for advance: 8d, 12h, 1d12h, 2w, 90m")
        parser.add_argument("--no-tick", action="store_true", help="do not run the scheduler's tick afterwards")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "advance":
                if not options["duration"]:
                    raise CommandError("say how far: e.g. `simrenew demo_clock advance 8d`")
                clock.advance_demo_clock(parse_duration(options["duration"]))
            elif action == "reset":
                clock.reset_demo_clock()
        except clock.DemoClockOff as exc:
            raise CommandError(str(exc)) from exc
        offset = clock.demo_offset() if clock.demo_clock_enabled() else timedelta(0)
        self.stdout.write(f"demo clock: {timezone.localtime(clock.now()):%Y-%m-%d %H:%M %Z} (real time + {offset})")
        if action == "advance" and not options["no_tick"]:
            for outcome in scheduler.tick():
                details = ", ".join(f"{key}={value}" for key, value in sorted(outcome.result.items()) if value)
                if details or outcome.error:
                    self.stdout.write(f"  {outcome.name}: {outcome.error or 'ok'} — {details}")
