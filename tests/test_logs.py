"""Logs without secrets: a real gunicorn (simrenew.gunicorn_conf) serves a short journey whose URLs carry
a phone number, a receipt code and a password-reset token; none of them reaches its output, and every
line is a JSON object with the request's id (LOG_FORMAT=json)."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
MANAGE = str(ROOT / "manage.py")
MSISDN = "0470123456"
RECEIPT_CODE = "XK42QZ9W"
# Everything that must not be logged, however it was written in the URL.
SECRETS = [MSISDN, "470123456", "+32470123456", "%2B32470123456", "0470%2012%2034%2056", RECEIPT_CODE]
MAKE_RESET_LINK = """
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
user = get_user_model().objects.create_user(email="jan@acme-mobile.be", password="Renew-Logs-2026")
print(urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> dict[str, str]:
    var = tmp_path_factory.mktemp("logs-var")
    (var / "staticfiles").mkdir()  # spares a warning that is printed, not logged
    env = {
        "PATH": os.environ["PATH"],
        "SIMRENEW_VAR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'simrenew.sqlite3'}",
        "SECRET_KEY": "logs-test-" + "k" * 50,  # the same in the shell below and in the server
        "LOG_FORMAT": "json",
    }
    subprocess.run([sys.executable, MANAGE, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=300)
    return env


@pytest.fixture(scope="module")
def reset_link(environment) -> tuple[str, str]:
    shell = [sys.executable, MANAGE, "shell", "-c", MAKE_RESET_LINK]
    out = subprocess.run(shell, env=environment, check=True, timeout=120, capture_output=True, text=True).stdout
    uid, token = out.splitlines()[-1].split()  # after what `shell` says about its imports
    return uid, token


@pytest.fixture(scope="module")
def server(environment, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    log = tmp_path_factory.mktemp("logs") / "gunicorn.log"
    command = [
        *(sys.executable, "-m", "gunicorn", "--config", "python:simrenew.gunicorn_conf"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket", "simrenew.wsgi:application"),
        "--reuse-port",  # as the demo runs it: each worker binds the address
    ]
    with log.open("w") as output:
        process = subprocess.Popen(command, env=environment, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, process)
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            # The first answer loads the application: slow on a busy machine, so a read may time out.
            requests.get(f"{base}/i18n/setlang/", timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer")


@pytest.fixture(scope="module")
def journey(server, reset_link) -> tuple[list[requests.Response], list[str]]:
    base, log = server
    uid, token = reset_link
    visits = [
        ("GET", f"/en/topup/?number={MSISDN}", {}),
        ("GET", "/en/topup/?number=%2B32470123456", {}),
        ("GET", f"/en/lines/{MSISDN}/", {}),  # a number in the path: a 404 that Django logs
        ("GET", f"/en/receipts/SR-LOGS1/?code={RECEIPT_CODE}", {}),
        ("GET", f"/en/verify/?number=SR-LOGS1&code={RECEIPT_CODE}", {}),
        ("GET", f"/en/password-reset/{uid}/{token}/", {}),
        ("POST", "/api/kiosk/balance?msisdn=0470%2012%2034%2056", {"X-Request-ID": "journey-0001"}),
    ]
    with requests.Session() as browser:
        responses = [
            browser.request(method, base + path, headers=headers, allow_redirects=False, timeout=30)
            for method, path, headers in visits
        ]
    # The reset link was real: Django took the token and sent the browser on to the form.
    assert responses[5].status_code == 302
    assert responses[5].headers["Location"] == f"/en/password-reset/{uid}/set-password/"
    return responses, _lines_once_logged(log, [response.headers["X-Request-ID"] for response in responses])


def _lines_once_logged(log: Path, request_ids: list[str]) -> list[str]:
    # gunicorn writes a request's access line just after sending its response (and after Django's
    # own line about a 404, which carries the same id).
    deadline = time.monotonic() + 30
    while not set(request_ids) <= _access_ids(lines := log.read_text().splitlines()):
        if time.monotonic() > deadline:
            raise AssertionError(f"no access line for some of {request_ids}:\n" + "\n".join(lines))
        time.sleep(0.05)
    return lines


def _access_ids(lines: list[str]) -> set[str]:
    records = [json.loads(line) for line in lines if line.startswith("{") and line.endswith("}")]
    return {record["request_id"] for record in records if record["logger"] == "gunicorn.access"}


def test_no_number_code_or_token_reaches_the_logs(journey, reset_link):
    _, lines = journey
    _, token = reset_link
    text = "\n".join(lines)
    found = [secret for secret in [*SECRETS, token] if secret in text]
    assert found == [], text
    # and the requests were logged, by their path alone
    messages = [json.loads(line)["message"] for line in lines]
    assert '127.0.0.1 "GET /en/receipts/SR-LOGS1/" 404' in " ".join(messages)
    assert '"GET /en/password-reset/[uid]/[token]/" 302' in " ".join(messages)


def test_every_line_is_json_with_a_request_id(journey):
    responses, lines = journey
    records = [json.loads(line) for line in lines if line.strip()]
    assert records, "gunicorn wrote nothing"
    assert all(record["request_id"] for record in records)
    access = [record for record in records if record["logger"] == "gunicorn.access"]
    # An access line per request, with the id its response carried (a proxy's id is kept).
    assert {response.headers["X-Request-ID"] for response in responses} <= {record["request_id"] for record in access}
    assert "-" not in {record["request_id"] for record in access}
    assert "journey-0001" in {record["request_id"] for record in access}
    assert {record["path"] for record in access} >= {"/en/topup/", "/en/receipts/SR-LOGS1/", "/en/verify/"}


def test_django_request_lines_carry_the_id_of_their_request(journey):
    responses, lines = journey
    records = [json.loads(line) for line in lines if line.strip()]
    not_found = [record for record in records if record["logger"] == "django.request"]
    # the 404s of /en/lines/<number>/ and /en/receipts/…, logged by Django outside every middleware
    assert {record["request_id"] for record in not_found} >= {responses[2].headers["X-Request-ID"]}
    assert "Not Found: /en/lines/[msisdn]/" in {record["message"] for record in not_found}


def test_the_log_says_where_gunicorn_listens(server, journey):
    base, log = server
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    listening = [record["message"] for record in records if record["message"].startswith("Listening at:")]
    # gunicorn's own line is empty when each worker binds the address (--reuse-port); ours names it
    assert any(base.removeprefix("http://") in message for message in listening), listening
