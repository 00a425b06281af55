"""`simrenew reconcile --date YYYY-MM-DD`: reconcile one day by hand (yesterday without --date):
the provider's settlement and balance transactions against our payments, refunds and ledger, and
retailer floats, voucher liability and cash boxes. Lists the open differences; exits non-zero while
any is open, so a scheduler notices."""

import re
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from simrenew.finance import descriptions, queries, service
from simrenew.kit import clock
from simrenew.kit.errors import DomainError

ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _day(raw: str | None) -> date:
    if not raw:
        return timezone.localdate(clock.now()) - timedelta(days=1)
    try:
        if not ISO_DATE.match(raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--date {raw!r} is not a date like 2026-03-31") from None


def _euro(cents: int | None) -> str:
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


class Command(BaseCommand):
    help = "Reconcile one day (default: yesterday) with the payment provider and the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="day", help="the day to reconcile, YYYY-MM-DD (default: yesterday)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = _day(options["day"])
        try:
            run = service.reconcile_day(day=day)
        except DomainError as error:
            raise CommandError(f"reconcile {day}: {error}") from error
        s = run.summary
        self.stdout.write(
            f"reconcile {day}: {s['payments_count']} payments {_euro(s['payments_amount'])} EUR, "
            f"fees {_euro(s['fees_amount'])}, {s['refunds_count']} refunds {_euro(s['refunds_amount'])}, "
            f"net {_euro(s['net_amount'])} (settlement {s['settlement_reference'] or '—'}); "
            f"{s['retailers_checked']} floats, {s['brands_checked']} voucher liabilities, "
            f"{s['kiosks_checked']} cash boxes checked"
        )
        open_ones = [d for d in queries.differences_of(run) if d.is_open]
        for difference in open_ones:
            self.stdout.write(
                f"DIFFERENCE {difference.cause} {difference.reference}: ours {_euro(difference.expected_amount)}, "
                f"found {_euro(difference.found_amount)} — {descriptions.describe(difference)}"
            )
        if open_ones:
            raise CommandError(f"reconcile {day}: {len(open_ones)} open difference(s)")
        self.stdout.write(f"reconcile {day}: everything matches to the cent")
