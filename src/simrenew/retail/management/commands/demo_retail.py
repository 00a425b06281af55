"""`simrenew demo_retail`: demo retailers (Carrefour, Delhaize, a night shop), outlets, POS terminals and
an SMS gateway with their credentials, cashier logins, funded floats and commission rates. Safe to re-run:
it prints the same credentials again and tops a float up only to its demo level."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from simrenew.brands.models import Brand
from simrenew.customers.models import User
from simrenew.kit.money import format_money
from simrenew.retail import service
from simrenew.retail.models import CommissionRate, Outlet, OutletTerminal, Retailer, RetailerKind
from simrenew.terminals import service as terminals
from simrenew.terminals.models import Terminal, TerminalKind

CASHIER_PASSWORD = "Kassa-Demo-2026"
# name, kind, float (cents), commission (basis points), outlets: (key id, name, street, postal code, city, cashier)
RETAILERS = [
    (
        "Carrefour",
        RetailerKind.CHAIN,
        500_000,
        300,
        [
            (
                "POS-CRF-BXL",
                "Bruxelles Midi",
                "Avenue Fonsny 47",
                "1060",
                "Saint-Gilles",
                "kassa.carrefour@simrenew.example",
            ),
            (
                "POS-CRF-GNT",
                "Gent Zuid",
                "Woodrow Wilsonplein 4",
                "9000",
                "Gent",
                "kassa.carrefour.gent@simrenew.example",
            ),
        ],
    ),
    (
        "Delhaize",
        RetailerKind.CHAIN,
        400_000,
        300,
        [
            (
                "POS-DLH-LEU",
                "Leuven Centrum",
                "Bondgenotenlaan 80",
                "3000",
                "Leuven",
                "kassa.delhaize@simrenew.example",
            ),
            (
                "POS-DLH-LGE",
                "Liège Guillemins",
                "Place des Guillemins 2",
                "4000",
                "Liège",
                "caisse.delhaize@simrenew.example",
            ),
        ],
    ),
    (
        "Nachtwinkel Matonge",
        RetailerKind.INDEPENDENT,
        30_000,
        500,
        [
            (
                "POS-NW-MTG",
                "Chaussée de Wavre",
                "Chaussée de Wavre 120",
                "1050",
                "Ixelles",
                "kassa.nachtwinkel@simrenew.example",
            )
        ],
    ),
]
SMS_GATEWAY = "SMS-GATEWAY-1914"


def _terminal(key_id: str, kind: str, name: str) -> tuple[Terminal, str]:
    found = Terminal.objects.filter(key_id=key_id).first()
    if found is not None:
        return found, terminals.secret_of(found)
    return terminals.register_terminal(kind=kind, name=name, key_id=key_id)


class Command(BaseCommand):
    help = "Load demo retailers, outlets, terminals, cashiers, floats and commission rates (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        brands = list(Brand.objects.all())
        if not brands:
            self.stdout.write("No brands yet: run `simrenew demo_data` first.")
            return
        self.stdout.write("Retail demo (POS page at /en/pos/, POS API at /api/pos/, docs at /api/docs):")
        for name, kind, float_target, rate_bp, outlets in RETAILERS:
            retailer, _ = Retailer.objects.get_or_create(name=name, defaults={"kind": kind})
            for brand in brands:
                CommissionRate.objects.get_or_create(
                    retailer=retailer, brand=brand, product=None, defaults={"rate_bp": rate_bp}
                )
            balance = service.float_balance(retailer)
            if balance < float_target:
                service.top_up_float(retailer=retailer, amount=float_target - balance, reference="demo float")
            self.stdout.write(
                f"  {name}: float {format_money(service.float_balance(retailer))}, commission {rate_bp / 100:.2f} %"
            )
            for key_id, outlet_name, street, postal_code, city, email in outlets:
                outlet, _ = Outlet.objects.get_or_create(
                    retailer=retailer,
                    name=outlet_name,
                    defaults={"street": street, "postal_code": postal_code, "city": city},
                )
                terminal, secret = _terminal(key_id, TerminalKind.POS, f"{name} {outlet_name} till 1")
                OutletTerminal.objects.get_or_create(terminal=terminal, defaults={"outlet": outlet})
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(email, CASHIER_PASSWORD, full_name=f"Cashier {outlet_name}")
                service.make_cashier(user=user, outlet=outlet)
                self.stdout.write(f"    {outlet_name}: terminal {terminal.key_id} secret {secret}")
                self.stdout.write(f"    {outlet_name}: cashier login {email} / {CASHIER_PASSWORD}")
        gateway, secret = _terminal(SMS_GATEWAY, TerminalKind.SMS_GATEWAY, "SMS gateway (short number 1914)")
        self.stdout.write(f"  SMS gateway for TOPUP <PIN>: terminal {gateway.key_id} secret {secret}")
