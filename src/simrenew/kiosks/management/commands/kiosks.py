"""`simrenew kiosks enrol <kiosk>`: a one-time code to enrol a screen as the kiosk, and the URL to
open on that screen. `simrenew kiosks screens [<kiosk>]`: the enrolled screens."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from simrenew.kiosks import devices
from simrenew.kiosks.models import Kiosk, KioskDevice


class Command(BaseCommand):
    help = "Kiosk screens: issue an enrolment code (enrol), or list the enrolled screens (screens)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["enrol", "screens"])
        parser.add_argument("kiosk", nargs="?", help="the kiosk's code, as in its URL (e.g. bru-airport)")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["kiosk"]
        kiosk = Kiosk.objects.filter(code=code).first() if code else None
        if code and kiosk is None:
            raise CommandError(f"no kiosk {code!r}; kiosks: {', '.join(Kiosk.objects.values_list('code', flat=True))}")
        if options["action"] == "enrol":
            if kiosk is None:
                raise CommandError("enrol needs a kiosk: simrenew kiosks enrol <kiosk>")
            self.stdout.write(enrolment_line(kiosk))
            return
        screens = KioskDevice.objects.select_related("kiosk").filter(**({"kiosk": kiosk} if kiosk else {}))
        if not screens:
            self.stdout.write("no screen is enrolled")
        for screen in screens:
            state = f"revoked {screen.revoked_at:%Y-%m-%d %H:%M}" if screen.revoked_at else "in service"
            self.stdout.write(
                f"#{screen.pk}  {screen.kiosk.code:<20} enrolled {screen.enrolled_at:%Y-%m-%d %H:%M}  {state}"
            )


def enrolment_line(kiosk: Kiosk) -> str:
    """A fresh code for `kiosk`, and where to type it."""
    with transaction.atomic():
        _code, plain = devices.issue_enrolment_code(kiosk=kiosk)
    minutes = settings.KIOSK_ENROLMENT_CODE_MINUTES
    return f"  enrol screen {devices.enrolment_url(kiosk, plain)}  (code {plain}, one screen, {minutes} min)"
