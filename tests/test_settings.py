"""Production as README describes it: its variables, and nothing else, pass `manage.py check --deploy`;
any of them missing or unsafe stops every command and the server, with the check that says why."""

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"
# Every variable README's production table marks as required, with a value a real deployment would have.
README_ENV = {
    "PRODUCTION": "true",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "renew.acme-mobile.be",
    "SITE_URL": "https://renew.acme-mobile.be",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.acme-mobile.be:587",
    "DEFAULT_FROM_EMAIL": "Acme Mobile <no-reply@acme-mobile.be>",
    "SMS_GATEWAY": "smpp://acme:secret@smsc.acme-mobile.be:2775",
    "MOLLIE_API_KEY": "live_abcdefghijklmnopqrstuvwxyz0123",
    "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    "FIELD_HASH_KEY": secrets.token_urlsafe(32),
    "METRICS_TOKEN": secrets.token_urlsafe(24),
}


def _run(tmp_path: Path, *command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Only what README lists (plus the database and a private var directory): nothing inherited.
    environment = {
        "PATH": os.environ["PATH"],
        "SIMRENEW_VAR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, *command], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def _check_deploy(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run(tmp_path, str(MANAGE), "check", "--deploy", "--fail-level", "WARNING", env=env)


def test_readme_lists_every_required_variable():
    production = (ROOT / "README.md").read_text().partition("## Production")[2]
    missing = [name for name in README_ENV if not re.search(rf"`{name}[`=]", production)]
    assert missing == []


def test_readme_production_settings_pass_check_deploy(tmp_path):
    result = _check_deploy(tmp_path, README_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def _without(name: str) -> dict[str, str]:
    return {key: value for key, value in README_ENV.items() if key != name}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (_without("EMAIL_URL"), "simrenew.E001"),  # e-mail would go to the public dev outbox
        (_without("SMS_GATEWAY"), "simrenew.E004"),
        (_without("MOLLIE_API_KEY"), "simrenew.E009"),
        ({**README_ENV, "MOLLIE_API_KEY": "test_simrenewdemo0000000000000000000"}, "simrenew.E009"),
        (_without("SITE_URL"), "simrenew.E010"),  # e-mail links to http://127.0.0.1:8000
        (_without("DEFAULT_FROM_EMAIL"), "simrenew.E013"),
        ({**README_ENV, "PAYMENT_SANDBOX": "true"}, "simrenew.E006"),
        ({**README_ENV, "MOLLIE_API_ENDPOINT": "http://127.0.0.1:8000/sandbox/mollie"}, "simrenew.E008"),
        ({**README_ENV, "DEMO_CLOCK": "true"}, "simrenew.E011"),
        (_without("SECRET_KEY"), "SECRET_KEY must be set in production"),
        (_without("FIELD_HASH_KEY"), "FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY must be set in production"),
    ],
)
def test_a_missing_or_unsafe_variable_fails_check_deploy(tmp_path, env, expected):
    result = _check_deploy(tmp_path, env)
    assert result.returncode != 0
    assert expected in result.stderr


def test_every_command_refuses_unsafe_settings(tmp_path):
    # Not only `check`: a command such as migrate stops before it does anything.
    result = _run(tmp_path, str(MANAGE), "migrate", "--noinput", env={**README_ENV, "PAYMENT_SANDBOX": "true"})
    assert result.returncode != 0
    assert "simrenew.E006" in result.stderr
    assert "Applying" not in result.stdout


def test_the_wsgi_application_refuses_unsafe_settings(tmp_path):
    # gunicorn imports simrenew.wsgi in each worker: the import fails, so no worker boots.
    result = _run(
        tmp_path, "-c", "import simrenew.wsgi", env={**_without("EMAIL_URL"), "PYTHONPATH": str(ROOT / "src")}
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "simrenew.E001" in result.stderr


def test_the_wsgi_application_loads_with_readme_settings(tmp_path):
    result = _run(tmp_path, "-c", "import simrenew.wsgi", env={**README_ENV, "PYTHONPATH": str(ROOT / "src")})
    assert result.returncode == 0, result.stderr


def test_the_demo_settings_do_not_pass_check_deploy(tmp_path):
    # The check is real: without PRODUCTION the secure-cookie and HTTPS warnings appear.
    result = _check_deploy(tmp_path, {"SECRET_KEY": secrets.token_urlsafe(64)})
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout
