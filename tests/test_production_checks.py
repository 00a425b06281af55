"""simrenew.checks: with PRODUCTION=true, settings meant for the demo stop every command and the server;
the demo's own routes (dev outbox, payment sandbox) do not exist in production."""

import importlib

import pytest
from django.core.checks.registry import registry
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import clear_url_caches

from simrenew import checks

SMTP = {"BACKEND": checks.SMTP_EMAIL_BACKEND, "OPTIONS": {"host": "smtp.acme-mobile.be", "port": 587}}
# What README's production table leads to.
SAFE = {
    "PRODUCTION": True,
    "DEBUG": False,
    "MAILERS": {"default": SMTP},
    "DEV_OUTBOX": False,
    "SMS_GATEWAY": "smpp://acme:secret@smsc.acme-mobile.be:2775",
    "PAYMENT_PROVIDER": "mollie",
    "PAYMENT_SANDBOX": False,
    "PAYMENT_TERMINAL": "",
    "CASH_ACCEPTOR": "",
    "MOLLIE_API_ENDPOINT": "",
    "MOLLIE_API_KEY": "live_abcdefghijklmnopqrstuvwxyz0123",
    "SITE_URL": "https://renew.acme-mobile.be",
    "PUBLIC_URL": "https://renew.acme-mobile.be",
    "DEMO_CLOCK": False,
    "DEFAULT_FROM_EMAIL": "Acme Mobile <no-reply@acme-mobile.be>",
    "METRICS_TOKEN": "k3J9-prometheus-scrape-token-0a7f",
}


@pytest.fixture
def production(settings):
    for name, value in SAFE.items():
        setattr(settings, name, value)
    return settings


def error_ids() -> list[str]:
    return [message.id for message in checks.check_production_settings()]


def test_safe_production_settings_pass(production):
    assert error_ids() == []


@pytest.mark.parametrize(
    ("name", "value", "error_id"),
    [
        ("MAILERS", {"default": {"BACKEND": checks.OUTBOX_EMAIL_BACKEND}}, "simrenew.E001"),
        ("MAILERS", {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}, "simrenew.E002"),
        ("DEV_OUTBOX", True, "simrenew.E003"),
        ("SMS_GATEWAY", "outbox", "simrenew.E004"),
        ("SMS_GATEWAY", "", "simrenew.E005"),
        ("SMS_GATEWAY", "smpp://", "simrenew.E005"),
        ("SMS_GATEWAY", "https://sms.acme-mobile.be", "simrenew.E005"),
        ("PAYMENT_SANDBOX", True, "simrenew.E006"),
        ("PAYMENT_TERMINAL", "sandbox", "simrenew.E007"),
        ("CASH_ACCEPTOR", "sandbox", "simrenew.E007"),
        ("MOLLIE_API_ENDPOINT", "http://127.0.0.1:8000/sandbox/mollie", "simrenew.E008"),
        ("MOLLIE_API_ENDPOINT", "https://renew.acme-mobile.be/sandbox/mollie", "simrenew.E008"),
        ("MOLLIE_API_ENDPOINT", "https://localhost:8443/v2", "simrenew.E008"),
        ("MOLLIE_API_ENDPOINT", "https://[::1]/v2", "simrenew.E008"),
        ("MOLLIE_API_ENDPOINT", "http://api.mollie.com", "simrenew.E008"),
        ("MOLLIE_API_KEY", "test_simrenewdemo0000000000000000000", "simrenew.E009"),
        ("MOLLIE_API_KEY", "", "simrenew.E009"),
        ("SITE_URL", "http://renew.acme-mobile.be", "simrenew.E010"),
        ("SITE_URL", "http://127.0.0.1:8000", "simrenew.E010"),
        ("PUBLIC_URL", "https://127.0.0.1", "simrenew.E010"),
        ("PUBLIC_URL", "https://0.0.0.0:8000", "simrenew.E010"),
        ("DEMO_CLOCK", True, "simrenew.E011"),
        ("DEBUG", True, "simrenew.E012"),
        ("DEFAULT_FROM_EMAIL", "simrenew <no-reply@simrenew.example>", "simrenew.E013"),
        ("DEFAULT_FROM_EMAIL", "root@localhost", "simrenew.E013"),
        ("DEFAULT_FROM_EMAIL", "no-reply@acme.test", "simrenew.E013"),
        ("METRICS_TOKEN", "", "simrenew.E014"),
        ("METRICS_TOKEN", "short-token", "simrenew.E014"),
    ],
)
def test_each_unsafe_setting_is_an_error(production, name, value, error_id):
    # given otherwise safe production settings, when one is unsafe
    setattr(production, name, value)
    # then exactly that check fails, at Error level
    assert error_ids() == [error_id]
    assert all(message.is_serious() for message in checks.check_production_settings())


@pytest.mark.parametrize(
    ("name", "value", "error_id"),
    [
        ("MOLLIE_API_ENDPOINT", "http://127.0.0.1:8000/sandbox/mollie", "simrenew.E008"),
        ("MOLLIE_API_KEY", "test_simrenewdemo0000000000000000000", "simrenew.E009"),
    ],
)
def test_mollie_card_terminals_need_the_real_mollie_too(production, name, value, error_id):
    # given web payments through another provider, but the counters' and kiosks' terminals at Mollie
    production.PAYMENT_PROVIDER = "sandbox"
    production.PAYMENT_TERMINAL = "mollie"
    assert error_ids() == []
    setattr(production, name, value)
    assert error_ids() == [error_id]


def test_the_real_mollie_endpoint_may_be_named(production):
    production.MOLLIE_API_ENDPOINT = "https://api.mollie.com"
    assert error_ids() == []


def test_outside_production_nothing_is_checked(settings):
    # The demo's settings: outbox, sandbox, test key, plain http, demo clock.
    settings.PRODUCTION = False
    settings.DEMO_CLOCK = True
    settings.PAYMENT_SANDBOX = True
    assert error_ids() == []


def test_the_checks_run_with_every_command():
    # Registered (by simrenew.web's AppConfig) as an ordinary check, not a deploy-only one: every
    # management command that runs system checks runs it, not only `check --deploy`.
    assert checks.check_production_settings in registry.get_checks(include_deployment_checks=False)
    assert checks.check_production_settings in registry.get_checks(include_deployment_checks=True)


def test_the_server_refuses_to_start(production):
    # simrenew.wsgi and simrenew.asgi call this once the apps are loaded
    production.PAYMENT_SANDBOX = True
    production.DEMO_CLOCK = True
    with pytest.raises(ImproperlyConfigured) as refused:
        checks.refuse_unsafe_settings()
    assert "simrenew.E006" in str(refused.value)
    assert "simrenew.E011" in str(refused.value)


def test_the_server_starts_with_safe_settings(production):
    checks.refuse_unsafe_settings()


def _reload_urlconf() -> None:
    import simrenew.urls
    import simrenew.web.portal.urls

    importlib.reload(simrenew.web.portal.urls)
    importlib.reload(simrenew.urls)
    clear_url_caches()


@pytest.fixture
def production_urlconf():
    # Even with the demo switches on, the URLconf built for production has no demo routes.
    with override_settings(PRODUCTION=True, PAYMENT_SANDBOX=True, DEV_OUTBOX=True):
        _reload_urlconf()
        yield
    _reload_urlconf()


DEMO_ROUTES = ["/en/dev/outbox/", "/zh-hans/dev/outbox/", "/sandbox/mollie/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", DEMO_ROUTES)
def test_the_demo_routes_exist_in_the_demo(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", [*DEMO_ROUTES, "/en/dev/outbox/1/", "/sandbox/mollie/checkout/tr_x/"])
def test_the_demo_routes_do_not_exist_in_production(production_urlconf, client, path):
    assert client.get(path).status_code == 404
