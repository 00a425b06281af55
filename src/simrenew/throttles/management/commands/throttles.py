"""`simrenew throttles prune`: forget rate-limit windows that ended long ago (from cron, daily)."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from simrenew.kit import clock
from simrenew.throttles import service


class Command(BaseCommand):
    help = "Delete rate-limit counters whose window ended more than --hours ago."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        prune = actions.add_parser("prune", help="delete counters whose window ended before --hours ago")
        prune.add_argument("--hours", type=int, default=24)

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = service.prune(before=clock.now() - timedelta(hours=options["hours"]))
        self.stdout.write(f"deleted {deleted} counters")
