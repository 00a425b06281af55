"""`simrenew voucher_batch --brand base --value 1500 --count 100 --out cards.csv`: print a batch of
scratch cards. The CSV (serial, PIN, value, expiry) goes to the card printer; the PINs are not kept."""

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from simrenew.brands.models import Brand
from simrenew.kit.errors import DomainError
from simrenew.vouchers import service


class Command(BaseCommand):
    help = "Create a batch of printed scratch cards (inactive until sold at a till) and write the printer's CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brand", required=True)
        parser.add_argument("--value", type=int, required=True, help="value in cents, a top-up amount of the brand")
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--out", required=True, help="CSV file for the printer (created, never overwritten)")

    def handle(self, *args: Any, **options: Any) -> None:
        brand = Brand.objects.filter(code=options["brand"]).first()
        if brand is None:
            raise CommandError(f"no brand {options['brand']!r}")
        out = Path(options["out"])
        if out.exists():
            raise CommandError(f"{out} exists: the PINs are shown once, so it is never overwritten")
        try:
            with transaction.atomic():
                batch, cards = service.create_batch(brand=brand, value_amount=options["value"], count=options["count"])
        except DomainError as error:
            raise CommandError(str(error)) from error
        with out.open("x", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["serial", "pin", "value_cents", "expires"])
            for card in cards:
                writer.writerow(
                    [card.voucher.serial, card.pin, card.voucher.value_amount, card.voucher.expires_at.date()]
                )
        self.stdout.write(f"batch {batch.pk}: {len(cards)} cards written to {out}")
