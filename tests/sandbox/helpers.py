"""Helpers for sandbox tests: a test API key, a payment body, and a real HTTP webhook receiver."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TEST_KEY = "test_sandboxtests0000000000000000000"


class WebhookReceiver:
    """A tiny HTTP server on a free port; answers every POST with `status` and remembers it."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                receiver.calls.append(
                    {"path": self.path, "content_type": self.headers.get("Content-Type"), "form": parse_qs(body)}
                )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/payments/webhooks/mollie/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def payment_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "amount": {"currency": "EUR", "value": "10.00"},
        "description": "Top-up 0470 12 34 56",
        "redirectUrl": "https://shop.example/return/42/",
        "method": "creditcard",
        "metadata": {"order": "42"},
        "locale": "nl_BE",
    }
    data.update(overrides)
    return data


def use_sandbox_terminals(live_server: Any, settings: Any) -> Any:
    """Card terminals through Mollie's point-of-sale payments against the sandbox served by
    `live_server`; returns the terminals stored from its Terminals API."""
    from simrenew.payments import pointofsale

    settings.SITE_URL = settings.PUBLIC_URL = live_server.url
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    settings.MOLLIE_API_KEY = TEST_KEY
    settings.PAYMENT_TERMINAL = "mollie"
    settings.ALLOWED_HOSTS = ["*"]
    return pointofsale.sync_terminals()
