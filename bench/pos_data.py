"""The POS benchmarks' data: a brand with a top-up product, retailers with floats, tills (POS
terminals) and the lines each sells to. Loaded in the benchmark's own process (Django set up on the
bench database); faults.py builds on it."""

import os
from typing import Any

TOPUP = 1000  # cents: every bench sale is a €10 top-up
RATE_BP = 300  # the retailers' commission
DRY_SALES = 25  # how many sales the corner shop's float holds


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")
    django.setup()


def load_data(
    *, terminals: int, retailers: int, lines_per_terminal: int, hot_terminals: int = 0, dry_terminals: int = 0
) -> dict[str, Any]:
    """Migrate and load the bench data in this process. `clients`: tills spread round-robin over
    `retailers` floats; `hot_clients`: tills all on one more retailer's float; `dry_clients`: tills of a
    corner shop whose float holds DRY_SALES sales. Each till has its own consecutive lines."""
    setup_django()
    from django.core.management import call_command
    from django.db import transaction

    from simrenew.brands.models import Brand
    from simrenew.catalog.models import Product, ProductKind

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        brand = Brand.objects.create(code="bench", name="Bench Mobile")
        Product.objects.create(
            brand=brand, code="topup", kind=ProductKind.TOPUP, names={"en": "Top-up"}, topup_amounts=[1000, 2000]
        )
        # Retailers (and so their float accounts) first: the lines' credit accounts then follow their
        # lines one for one, which the pgbench script relies on.
        spread = [_outlet(brand, f"Bench retailer {r}", 10**11) for r in range(retailers)]
        hot = _outlet(brand, "Bench hot chain", 10**11) if hot_terminals else None
        per_sale = TOPUP - TOPUP * RATE_BP // 10_000
        dry = _outlet(brand, "Bench corner shop", DRY_SALES * per_sale + per_sale // 2) if dry_terminals else None
        numbering = iter(range(10**6))
        clients = [
            _till(brand, spread[t % retailers], f"till {t}", lines_per_terminal, numbering) for t in range(terminals)
        ]
        hot_clients = [_till(brand, hot, f"hot till {t}", lines_per_terminal, numbering) for t in range(hot_terminals)]
        dry_clients = [_till(brand, dry, f"corner till {t}", 5, numbering) for t in range(dry_terminals)]
    return {
        "clients": clients,
        "hot_clients": hot_clients,
        "dry_clients": dry_clients,
        "dry_retailer": dry[0].pk if dry else None,
        "brand_id": brand.pk,
    }


def _outlet(brand: Any, name: str, float_amount: int) -> tuple[Any, Any]:
    from simrenew.retail import service as retail
    from simrenew.retail.models import CommissionRate, Outlet, Retailer, RetailerKind

    retailer = Retailer.objects.create(name=name, kind=RetailerKind.CHAIN)
    CommissionRate.objects.create(retailer=retailer, brand=brand, rate_bp=RATE_BP)
    retail.top_up_float(retailer=retailer, amount=float_amount, reference="bench")
    return retailer, Outlet.objects.create(retailer=retailer, name=f"{name} outlet")


def _till(brand: Any, shop: Any, name: str, lines: int, numbering: Any) -> dict[str, Any]:
    from simrenew.kit import clock
    from simrenew.kit.phone import luhn_check_digit
    from simrenew.ledger.models import Account, AccountKind
    from simrenew.lines.models import Line
    from simrenew.retail.models import OutletTerminal
    from simrenew.terminals import service as terminal_service
    from simrenew.terminals.models import TerminalKind

    retailer, outlet = shop
    terminal, secret = terminal_service.register_terminal(kind=TerminalKind.POS, name=f"bench {name}")
    OutletTerminal.objects.create(terminal=terminal, outlet=outlet)
    indexes = [next(numbering) for _ in range(lines)]
    rows = Line.objects.bulk_create(
        Line(
            msisdn=f"+32470{index:06d}",
            iccid=f"893299{index:012d}" + luhn_check_digit(f"893299{index:012d}"),
            brand=brand,
            activated_at=clock.now(),
        )
        for index in indexes
    )
    # Every line has its credit account, as once topped up (ledger.account opens them so: guarded).
    Account.objects.bulk_create(
        Account(code=line.credit_account_code, kind=AccountKind.LINE_CREDIT, guarded=True) for line in rows
    )
    return {
        "key_id": terminal.key_id,
        "secret": secret,
        "numbers": [line.msisdn for line in rows],
        "line_ids": [line.pk for line in rows],
        "retailer": retailer.pk,
    }
