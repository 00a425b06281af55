"""Fault tests run real worker processes against the test database on PostgreSQL, with the
sandbox and its webhooks served by a live server; they are skipped on SQLite."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 2


@pytest.fixture
def site(live_server, settings, db) -> str:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("fault tests kill worker processes mid-transaction: they run on PostgreSQL (DATABASE_URL)")
    settings.SITE_URL = settings.PUBLIC_URL = live_server.url
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    settings.TASKS = {
        "default": {
            "BACKEND": "simrenew.jobs.backend.DatabaseBackend",
            "QUEUES": ["default"],
            "OPTIONS": {"LEASE_SECONDS": LEASE_SECONDS, "RETRY_BASE_SECONDS": 0.2, "RETRY_MAX_SECONDS": 2},
        }
    }
    return live_server.url


class Workers:
    """Worker processes on the test database, each with at most one planted fault."""

    def __init__(self, site: str, var_dir: Path) -> None:
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "simrenew.settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "SITE_URL": site,
            "PUBLIC_URL": site,
            "MOLLIE_API_ENDPOINT": site + "/sandbox/mollie",
            "PAYMENT_SANDBOX": "true",
            "EMAIL_URL": "outbox://",
            "SIMRENEW_VAR": str(var_dir),
            "JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
            "JOBS_RETRY_BASE_SECONDS": "0.2",
            "JOBS_RETRY_MAX_SECONDS": "2",
            "LOG_LEVEL": "WARNING",
        }
        if db.get("PASSWORD"):
            self.env["PGPASSWORD"] = str(db["PASSWORD"])
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, fault: str = "none") -> subprocess.Popen[bytes]:
        process = subprocess.Popen([sys.executable, "-m", "tests.faults.faulty_worker", fault], cwd=ROOT, env=self.env)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers(site: str, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(site, tmp_path)
    yield pool
    pool.stop()


def wait_until(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)
