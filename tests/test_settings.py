"""Production settings pass Django's deployment checklist (`manage.py check --deploy`)."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

MANAGE = Path(__file__).resolve().parent.parent / "manage.py"
# Anything in the caller's environment that would change what is checked.
INHERITED_OUT = {
    "DEBUG",
    "DATABASE_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "PRODUCTION",
    "EMAIL_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "PAYMENT_SANDBOX",
    "CSRF_TRUSTED_ORIGINS",
    "FIELD_ENCRYPTION_KEYS",
    "FIELD_HASH_KEY",
    "TERMINAL_SECRET_KEYS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # tests/conftest.py sets it for the test run itself
}


def _check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in INHERITED_OUT}
    environment.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        # Production refuses to start without its own keys for personal data at rest.
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        FIELD_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="renew.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
        SIMRENEW_VAR=str(tmp_path / "var"),
        **env,
    )
    return subprocess.run(
        [sys.executable, str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = _check_deploy(tmp_path, PRODUCTION="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_demo_settings_do_not_pass_check_deploy(tmp_path):
    # The check is real: without PRODUCTION the secure-cookie and HTTPS warnings appear.
    result = _check_deploy(tmp_path, PRODUCTION="false")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key not in INHERITED_OUT}
    environment.update(PRODUCTION="true", SIMRENEW_VAR=str(tmp_path / "var"))
    result = subprocess.run(
        [sys.executable, str(MANAGE), "check"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr
