"""`simrenew terminals reseal`: re-encrypt terminal secrets under the first TERMINAL_SECRET_KEYS key.
`simrenew terminals prune`: forget used nonces too old to replay and stored answers older than 30 days."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from simrenew.terminals import service


class Command(BaseCommand):
    help = "Terminal credentials: reseal secrets after a key rotation, or prune old nonces and answers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["reseal", "prune"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "reseal":
            self.stdout.write(f"{service.reseal_all()} terminal secrets resealed under the current key")
        else:
            nonces, calls = service.prune(nonce_age_seconds=2 * settings.TERMINAL_MAX_SKEW_SECONDS)
            self.stdout.write(f"pruned {nonces} nonces and {calls} stored answers")
