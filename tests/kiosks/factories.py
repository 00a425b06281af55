"""Kiosks, enrolling a test browser as a kiosk's screen, and a test client that signs kiosk API
requests as a kiosk's terminal does."""

import itertools
import json
from typing import Any

from django.test import Client

from simrenew.kiosks import devices
from simrenew.kiosks import service as kiosks
from simrenew.kiosks.models import Kiosk, KioskDevice
from simrenew.terminals import service as terminals
from simrenew.terminals.models import Terminal, TerminalKind
from simrenew.terminals.signing import signed_headers

_sequence = itertools.count(1)


def create_kiosk(code: str | None = None, *, with_terminal: bool = False) -> Kiosk:
    number = next(_sequence)
    kiosk = kiosks.create_kiosk(code=code or f"kiosk-{number}", name=f"Kiosk {number}", location="Hall")
    if with_terminal:
        terminal, secret = terminals.register_terminal(kind=TerminalKind.KIOSK, name=kiosk.name)
        kiosk.terminal = terminal
        kiosk.save(update_fields=["terminal"])
        kiosk._test_secret = secret  # type: ignore[attr-defined]
    return kiosk


def enrol_screen(client: Client, kiosk: Kiosk, language: str = "en") -> KioskDevice:
    """Enrol the client's browser as a screen of `kiosk` through the enrol page, as an installer does."""
    _code, plain = devices.issue_enrolment_code(kiosk=kiosk)
    response = client.post(f"/{language}/kiosk/{kiosk.code}/enrol/", {"code": plain})
    assert response.status_code == 302, response.content.decode()
    return KioskDevice.objects.filter(kiosk=kiosk).latest("pk")


class SignedClient:
    """Calls the kiosk API with the four HMAC headers; mutating calls send an Idempotency-Key."""

    def __init__(self, terminal: Terminal, secret: str, **client_kwargs: Any) -> None:
        self.terminal, self.secret = terminal, secret
        self.client = Client(**client_kwargs)

    def headers(self, method: str, url: str, body: bytes = b"", **extra: str) -> dict[str, str]:
        return {
            **signed_headers(key_id=self.terminal.key_id, secret=self.secret, method=method, url=url, body=body),
            **extra,
        }

    def get(self, url: str, **extra: str) -> Any:
        return self.client.get(url, headers=self.headers("GET", url, **extra))

    def post(
        self, url: str, data: dict[str, Any], *, key: str | None = None, raw: bytes | None = None, **extra: str
    ) -> Any:
        body = raw if raw is not None else json.dumps(data).encode()
        headers = self.headers("POST", url, body, **extra)
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(url, data=body, content_type="application/json", headers=headers)


def kiosk_api(kiosk: Kiosk) -> SignedClient:
    assert kiosk.terminal is not None
    return SignedClient(kiosk.terminal, kiosk._test_secret)  # type: ignore[attr-defined]
