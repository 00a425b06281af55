"""`simrenew charging expire`: close charging sessions that stopped reporting (their holds return) and
forget request nonces too old to replay;
`simrenew charging client NAME`: register a network client and print its key id and secret once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from simrenew.charging import clients, service


class Command(BaseCommand):
    help = "Charging: `expire` closes sessions that stopped reporting; `client NAME` registers a network client."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["expire", "client"])
        parser.add_argument("name", nargs="?", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "client":
            client, secret = clients.register_client(name=options["name"] or "network function")
            self.stdout.write(f"network client {client.key_id} secret {secret} (shown once)")
            return
        closed = 0
        while True:
            done = service.expire_sessions()
            closed += done
            if done < 1000:
                break
        pruned = clients.prune_nonces()
        self.stdout.write(
            f"charging expire: {closed} session(s) closed, their holds returned; {pruned} old nonces gone"
        )
