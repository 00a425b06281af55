"""`simrenew ledger verify`: recompute every balance from postings; non-zero exit on any difference.
Its outcome is kept (simrenew.ops) for /metrics: simrenew_check_ok and _age_seconds{check="ledger_verify"}."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from simrenew.ledger import service
from simrenew.ledger.models import Account, Journal, Posting
from simrenew.ops.service import record_check


class Command(BaseCommand):
    help = "Ledger operations. `verify` recomputes balances from postings and reports differences."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        differences = service.verify()
        record_check(
            "ledger_verify",
            ok=not differences,
            duration_ms=int((time.monotonic() - started) * 1000),
            detail="; ".join(f"{diff.what}: expected {diff.expected}, found {diff.found}" for diff in differences[:20]),
        )
        self.stdout.write(
            f"{Journal.objects.count()} journals, {Posting.objects.count()} postings, "
            f"{Account.objects.count()} accounts checked"
        )
        for diff in differences:
            self.stderr.write(f"DIFFERENCE {diff.what}: expected {diff.expected}, found {diff.found}")
        if differences:
            raise CommandError(f"ledger verify: {len(differences)} difference(s)")
        self.stdout.write("ledger verify: every journal balances and every cached balance matches")
