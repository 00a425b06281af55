"""`simrenew demo_kiosks`: the demo kiosks with their kiosk-API credentials (run by `demo_offline`). Safe to re-run.
Enrols no screen: it prints, per kiosk, a URL with a fresh one-time code that enrols the browser opening it."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from simrenew.kiosks import service as kiosks
from simrenew.kiosks.management.commands.kiosks import enrolment_line
from simrenew.terminals import service as terminals
from simrenew.terminals.models import Terminal, TerminalKind

# (code, name, location, primary colour, accent colour, start-screen language, API key id, API secret)
# and, by code, the location in the other languages.
KIOSKS = [
    (
        "bru-airport",
        "Brussels Airport",
        "Departures hall, level 4, next to check-in row 7",
        "#003a70",
        "#ffcd00",
        "en",
        "K-BRUAIRPORT",
        "demo-kiosk-secret-bru-airport-0000000000",
    ),
    (
        "gent-sint-pieters",
        "Gent-Sint-Pieters",
        "Station hall, by the ticket machines",
        "#0b6e4f",
        "#f2c14e",
        "nl",
        "K-GENTSTPIET",
        "demo-kiosk-secret-gent-sint-pieters-0000",
    ),
]
LOCATIONS = {
    "bru-airport": {
        "zh-hans": "出发大厅 4 层，7 号值机柜台旁",  # noqa: RUF001 - Chinese punctuation
        "nl": "Vertrekhal, niveau 4, naast incheckrij 7",
        "fr": "Hall des départs, niveau 4, à côté de la rangée d'enregistrement 7",
        "de": "Abflughalle, Ebene 4, neben Check-in-Reihe 7",
    },
    "gent-sint-pieters": {
        "zh-hans": "车站大厅，售票机旁",  # noqa: RUF001 - Chinese punctuation
        "nl": "Stationshal, bij de ticketautomaten",
        "fr": "Hall de la gare, près des distributeurs de billets",
        "de": "Bahnhofshalle, bei den Fahrkartenautomaten",
    },
}


class Command(BaseCommand):
    help = "Load the demo kiosks (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        for code, name, location, primary, accent, language, key_id, secret in KIOSKS:
            kiosk = kiosks.create_kiosk(
                code=code,
                name=name,
                location=location,
                locations=LOCATIONS[code],
                primary_colour=primary,
                accent_colour=accent,
                default_language=language,
            )
            if kiosk.terminal is None:
                terminal = Terminal.objects.filter(key_id=key_id).first()
                if terminal is None:
                    terminal, _ = terminals.register_terminal(
                        kind=TerminalKind.KIOSK, name=f"Kiosk {name}", key_id=key_id, secret=secret
                    )
                kiosk.terminal = terminal
                kiosk.save(update_fields=["terminal"])
            with translation.override(language):
                url = settings.SITE_URL + reverse("kiosk:start", kwargs={"kiosk": kiosk.code})
            self.stdout.write(f"kiosk          {url}  ({kiosk.name}; any language: /zh-hans/, /en/, /nl/, /fr/, /de/)")
            self.stdout.write(f"  kiosk API    terminal {key_id} / secret {secret}")
            # The pages open only on an enrolled screen: a fresh code to enrol this browser.
            self.stdout.write(enrolment_line(kiosk))
        # The command prints URLs on SITE_URL: a demo on another address than the default needs it said.
        site = "" if settings.SITE_URL == "http://127.0.0.1:8000" else f"SITE_URL={settings.SITE_URL} "
        self.stdout.write(f"  a new code any time: {site}.venv/bin/simrenew kiosks enrol <kiosk>, or Admin → Kiosks")
