"""List the Mollie account's point-of-sale terminals (GET /v2/terminals) and store them, so that
counters and kiosks can be assigned one in the back office."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from simrenew.payments import pointofsale
from simrenew.payments.provider import ProviderError


class Command(BaseCommand):
    help = "Fetch the card terminals from Mollie's Terminals API and store them."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            terminals = pointofsale.sync_terminals()
        except ProviderError as exc:
            raise CommandError(str(exc)) from exc
        for terminal in terminals:
            self.stdout.write(f"{terminal.provider_terminal_id}\t{terminal.status}\t{terminal}")
        self.stdout.write(f"{len(terminals)} terminal(s) listed.")
