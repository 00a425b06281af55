"""Production refuses unsafe settings.

With PRODUCTION=true these system checks fail (Error) on anything that is only for the demo: e-mail or
SMS kept in the dev outbox (which is readable by anyone: a password reset sent there hands over the
account), the payment sandbox or test keys, public URLs that are not https, the demo clock. They run
before every management command (`simrenew migrate`, `worker`, `scheduler`, `check --deploy`) and when
the WSGI application loads (simrenew.wsgi calls `refuse_unsafe_settings`), so such a server does not
start. Registered by simrenew.web's AppConfig. Outside production they find nothing.
"""

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, register, run_checks
from django.core.exceptions import ImproperlyConfigured

TAG = "simrenew_production"
OUTBOX_EMAIL_BACKEND = "simrenew.notifications.outbox.OutboxEmailBackend"
SMTP_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# Domains reserved for documentation and tests (RFC 2606, RFC 6761): no one receives mail sent from them.
RESERVED_DOMAINS = ("example", "example.com", "example.net", "example.org", "test", "invalid", "localhost")

type Check = Callable[[], Iterable[CheckMessage]]


@register(TAG)
def check_production_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION:
        return []
    return [message for check in CHECKS for message in check()]


def refuse_unsafe_settings() -> None:
    """Raise ImproperlyConfigured, listing every problem, when a production check fails."""
    errors = [message for message in run_checks(tags=[TAG]) if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("unsafe settings for production:\n" + "\n".join(map(str, errors)))


def email_is_sent() -> Iterable[CheckMessage]:
    for name, mailer in settings.MAILERS.items():
        backend = mailer.get("BACKEND", "")
        if backend == OUTBOX_EMAIL_BACKEND:
            yield Error(
                f"E-mail ({name!r} mailer) goes to the dev outbox, which anyone can read.",
                hint="Set EMAIL_URL to your SMTP server: smtp+tls://user:password@smtp.example.com:587.",
                id="simrenew.E001",
            )
        elif backend != SMTP_EMAIL_BACKEND:
            yield Error(
                f"E-mail ({name!r} mailer) is not sent: its backend is {backend!r}.",
                hint="Set EMAIL_URL to your SMTP server (smtp://, smtp+tls:// or smtps://).",
                id="simrenew.E002",
            )


def dev_outbox_is_off() -> Iterable[CheckMessage]:
    if settings.DEV_OUTBOX:
        yield Error(
            "DEV_OUTBOX is on: the dev outbox pages would show every e-mail and SMS to anyone.",
            hint="Remove DEV_OUTBOX (it follows EMAIL_URL) or set DEV_OUTBOX=false.",
            id="simrenew.E003",
        )


def sms_are_sent() -> Iterable[CheckMessage]:
    gateway = settings.SMS_GATEWAY
    if gateway == "outbox":
        yield Error(
            "SMS go to the dev outbox (SMS_GATEWAY=outbox), which anyone can read.",
            hint="Set SMS_GATEWAY to your SMSC: smpp://system_id:password@smsc.example:2775 (or smpps://).",
            id="simrenew.E004",
        )
    elif urlsplit(gateway).scheme not in {"smpp", "smpps"} or not urlsplit(gateway).hostname:
        yield Error(
            f"SMS_GATEWAY {gateway!r} is not an SMPP server.",
            hint="Set SMS_GATEWAY=smpp://system_id:password@smsc.example:2775 (or smpps://).",
            id="simrenew.E005",
        )


def payments_are_real() -> Iterable[CheckMessage]:
    if settings.PAYMENT_SANDBOX:
        yield Error(
            "PAYMENT_SANDBOX is on: anyone could mark payments paid on the sandbox pages.",
            hint="Remove PAYMENT_SANDBOX or set PAYMENT_SANDBOX=false.",
            id="simrenew.E006",
        )
    for name in ("PAYMENT_TERMINAL", "CASH_ACCEPTOR"):
        if getattr(settings, name, "") == "sandbox":
            yield Error(
                f"{name} is the sandbox: a customer could approve a card or cash payment on screen.",
                hint=f"Remove {name} (or leave it empty) in production.",
                id="simrenew.E007",
            )


def mollie_is_live() -> Iterable[CheckMessage]:
    # Mollie takes the web payments, the counters' and kiosks' card terminals, or both.
    if settings.PAYMENT_PROVIDER != "mollie" and getattr(settings, "PAYMENT_TERMINAL", "") != "mollie":
        return
    endpoint = settings.MOLLIE_API_ENDPOINT
    if endpoint and (not _is_public_https(endpoint) or "/sandbox/" in f"{urlsplit(endpoint).path}/"):
        yield Error(
            f"MOLLIE_API_ENDPOINT {endpoint!r} is not Mollie: the built-in sandbox, a loopback address or not https.",
            hint="Leave MOLLIE_API_ENDPOINT empty (Mollie's own API).",
            id="simrenew.E008",
        )
    if not settings.MOLLIE_API_KEY.startswith("live_"):
        kind = "a test key" if settings.MOLLIE_API_KEY.startswith("test_") else "missing or not a Mollie key"
        yield Error(
            f"MOLLIE_API_KEY is {kind}: no real payment can be taken.",
            hint="Set MOLLIE_API_KEY to the live_… key from Mollie's dashboard.",
            id="simrenew.E009",
        )


def public_urls_are_https() -> Iterable[CheckMessage]:
    for name in ("SITE_URL", "PUBLIC_URL"):
        url = getattr(settings, name)
        if not _is_public_https(url):
            yield Error(
                f"{name} {url!r} is not a public https address: e-mail links, webhooks and payment "
                "returns would point there.",
                hint=f"Set {name} to the site's public address, e.g. https://renew.example.com.",
                id="simrenew.E010",
            )


def demo_clock_is_off() -> Iterable[CheckMessage]:
    if settings.DEMO_CLOCK:
        yield Error(
            "DEMO_CLOCK is on: time could be moved for every process.",
            hint="Remove DEMO_CLOCK in production.",
            id="simrenew.E011",
        )


def debug_is_off() -> Iterable[CheckMessage]:
    if settings.DEBUG:
        yield Error(
            "DEBUG is on: error pages would show settings and data to anyone.",
            hint="Remove DEBUG in production.",
            id="simrenew.E012",
        )


def sender_is_ours() -> Iterable[CheckMessage]:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">").strip().lower()
    if not domain or any(domain == reserved or domain.endswith(f".{reserved}") for reserved in RESERVED_DOMAINS):
        yield Error(
            f"DEFAULT_FROM_EMAIL {settings.DEFAULT_FROM_EMAIL!r} is not an address of yours: "
            "mail from it is rejected or lands in spam.",
            hint="Set DEFAULT_FROM_EMAIL, e.g. 'Acme Mobile <no-reply@acme.be>'.",
            id="simrenew.E013",
        )


def metrics_need_a_token() -> Iterable[CheckMessage]:
    if len(getattr(settings, "METRICS_TOKEN", "")) < 24:
        yield Error(
            "METRICS_TOKEN is missing or shorter than 24 characters: /metrics would answer nobody, or be guessable.",
            hint="Set METRICS_TOKEN to a long random string and give it to Prometheus as a bearer token.",
            id="simrenew.E014",
        )


def _is_public_https(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_unspecified)


CHECKS: list[Check] = [
    metrics_need_a_token,
    email_is_sent,
    dev_outbox_is_off,
    sms_are_sent,
    payments_are_real,
    mollie_is_live,
    public_urls_are_https,
    demo_clock_is_off,
    debug_is_off,
    sender_is_ours,
]
