"""`simrenew demo_card_terminals`: the payment sandbox's card terminals, stored as its Terminals API lists
them, and one assigned to each demo shop counter and kiosk that has none (run by `demo_offline`). Safe to
re-run. With the demo's PAYMENT_TERMINAL=mollie a card sale waits on that terminal, and the sandbox's
terminal screen page presents (or refuses) the customer's card."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from simrenew.kiosks.models import Kiosk
from simrenew.payments import pointofsale
from simrenew.payments.models import CardTerminal
from simrenew.payments.provider import ProviderTerminal
from simrenew.sandbox import service as sandbox
from simrenew.sandbox.models import SandboxTerminal
from simrenew.shops.models import Shop

# (shop or kiosk code, sandbox terminal): the counters' countertop terminals and the kiosks' card readers.
COUNTERS = [("brussels-central", "term_sandbox0001"), ("antwerp", "term_sandbox0002")]
KIOSKS = [("bru-airport", "term_sandbox0003"), ("gent-sint-pieters", "term_sandbox0004")]


def listed_by_the_sandbox() -> list[ProviderTerminal]:
    """What the sandbox's GET /v2/terminals answers (simrenew.sandbox.api.list_terminals), read in
    process: the demo's data is loaded before its server runs."""
    sandbox.ensure_terminals()
    return [
        ProviderTerminal(
            id=terminal.public_id,
            status=terminal.status,
            brand=terminal.brand,
            model=terminal.model,
            serial_number=terminal.serial_number,
            currency=terminal.currency,
            description=terminal.description,
        )
        for terminal in SandboxTerminal.objects.order_by("pk")
    ]


class Command(BaseCommand):
    help = "Store the payment sandbox's card terminals and assign them to the demo counters and kiosks (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.PAYMENT_SANDBOX:
            self.stdout.write("card terminals: no payment sandbox; list Mollie's with `simrenew sync_card_terminals`")
            return
        with transaction.atomic():
            pointofsale.store_terminals(listed_by_the_sandbox())
            by_id = {terminal.provider_terminal_id: terminal for terminal in CardTerminal.objects.all()}
            for model, pairs in ((Shop, COUNTERS), (Kiosk, KIOSKS)):
                for code, terminal_id in pairs:
                    model.objects.filter(code=code, card_terminal__isnull=True).update(card_terminal=by_id[terminal_id])
        base = settings.SITE_URL
        self.stdout.write(f"card terminals {base}/sandbox/mollie/terminals/  (present or refuse the card there)")
        for code, terminal_id in COUNTERS + KIOSKS:
            self.stdout.write(f"  {code:<18} {base}/sandbox/mollie/terminals/{terminal_id}/")
