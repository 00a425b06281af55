"""`simrenew ledger verify`: recompute every balance from postings; non-zero exit on any difference."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from simrenew.ledger import service
from simrenew.ledger.models import Account, Journal, Posting


class Command(BaseCommand):
    help = "Ledger operations. `verify` recomputes balances from postings and reports differences."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        differences = service.verify()
        self.stdout.write(
            f"{Journal.objects.count()} journals, {Posting.objects.count()} postings, "
            f"{Account.objects.count()} accounts checked"
        )
        for diff in differences:
            self.stderr.write(f"DIFFERENCE {diff.what}: expected {diff.expected}, found {diff.found}")
        if differences:
            raise CommandError(f"ledger verify: {len(differences)} difference(s)")
        self.stdout.write("ledger verify: every journal balances and every cached balance matches")
