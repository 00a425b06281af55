"""`simrenew demo_offline`: demo shops with staff logins, and (through `demo_kiosks` and `demo_identities`) demo
kiosks and how the demo lines' holders were identified. Safe to re-run."""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from simrenew.shops import service as shops
from simrenew.staff import demo as demo_authenticator
from simrenew.staff.queries import second_factor_required

SHOPS = [
    ("brussels-central", "simrenew Brussels-Central", "Brussels", "Carrefour de l'Europe 2, 1000 Brussels"),
    ("antwerp", "simrenew Antwerp Meir", "Antwerp", "Meir 78, 2000 Antwerp"),
]
# (shop, e-mail, password, role, name)
STAFF = [
    ("brussels-central", "assistant@shop.simrenew.example", "Shop-Assistant-2026", shops.ASSISTANT, "Lotte Peeters"),
    ("brussels-central", "manager@shop.simrenew.example", "Shop-Manager-2026", shops.MANAGER, "Karim El Amrani"),
    ("antwerp", "antwerp@shop.simrenew.example", "Shop-Antwerp-2026", shops.ASSISTANT, "Jonas Claes"),
]


class Command(BaseCommand):
    help = "Load the demo shops, staff logins and kiosks (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        by_code = {
            code: shops.create_shop(code=code, name=name, city=city, address=address)
            for code, name, city, address in SHOPS
        }
        for shop_code, email, password, role, name in STAFF:
            user = shops.add_staff(shop=by_code[shop_code], email=email, password=password, role=role, full_name=name)
            if not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            if second_factor_required(user):  # managers: the demo authenticator, as the back office's
                demo_authenticator.give_demo_authenticator(user)
        base = settings.SITE_URL
        with translation.override("en"):
            desk = base + reverse("shop:desk")
        self.stdout.write(f"shop desk      {desk}")
        for shop_code, email, password, role, _name in STAFF:
            self.stdout.write(f"  {role:<9} {email} / {password}  ({by_code[shop_code].name})")
        # Kiosks are their own domain, beside shops: their demo data comes from their own command.
        call_command("demo_kiosks", stdout=self.stdout)
        # The sandbox's card terminals on the counters and kiosks (its own command: it reads the sandbox).
        call_command("demo_card_terminals", stdout=self.stdout)
        # How the demo lines' holders were identified: most at these shops, so once they exist.
        call_command("demo_identities", stdout=self.stdout)
