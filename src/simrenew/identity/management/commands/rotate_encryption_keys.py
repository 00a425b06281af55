"""`simrenew rotate_encryption_keys`: re-encrypt stored personal data under the first FIELD_ENCRYPTION_KEYS key."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from simrenew.identity import service as identity


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value under the current (first) key; then the old keys can be removed."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            seen, rotated = identity.rotate_keys()
        self.stdout.write(f"identity document numbers: {seen} stored, {rotated} re-encrypted under the current key")
