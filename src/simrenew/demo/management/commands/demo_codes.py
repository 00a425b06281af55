"""`simrenew demo_codes`: the code an authenticator app with the demo key shows now, for demo staff
logins without a phone at hand. `--key` computes it for another key (e.g. one just shown on an
enrolment page). Never in production: it is demo data, like the demo passwords."""

from base64 import b32decode
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP

from simrenew.staff import demo


class Command(BaseCommand):
    help = "Print the demo authenticator's current code (or another key's, with --key)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--key", help="a base32 key, as an enrolment page shows it (spaces allowed)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo_codes is for the demo only")
        key = options["key"]
        secret = b32decode(key.replace(" ", "").upper()) if key else demo.KEY
        clock = TOTP(secret)
        left = 30 - int(clock.time) % 30
        self.stdout.write(f"{clock.token():06d}  (valid for {left} more seconds)")
