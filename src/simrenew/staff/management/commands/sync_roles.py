"""`simrenew sync_roles`: make the staff role groups hold exactly the permissions in staff.roles."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from simrenew.staff.roles import ROLES
from simrenew.staff.service import sync_roles


class Command(BaseCommand):
    help = "Create the staff role groups and set their permissions from simrenew.staff.roles (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            changes = sync_roles()
        for change in changes:
            self.stdout.write(change)
        self.stdout.write(f"{len(ROLES)} roles in step" + ("" if changes else " (nothing to change)"))
