"""`make cluster` for real (scripts/cluster.py): HAProxy, two web nodes, two workers, two schedulers,
a PostgreSQL primary and its streaming replica. Runs with the PostgreSQL tests (it needs PostgreSQL's
server binaries and Debian's haproxy, which `make test` installs)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


def http(url: str, token: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def until(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


@pytest.fixture
def cluster(db):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("the cluster runs on PostgreSQL: run with DATABASE_URL=postgres://...")
    if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Debian's haproxy for the cluster test (make cluster-deps)")
        pytest.skip("Debian's haproxy is not installed (make cluster-deps installs it)")
    # Not under pytest's tmp_path: its parents are private to root, and PostgreSQL runs as postgres.
    base = Path(tempfile.mkdtemp(prefix="simrenew-cluster-"))
    base.chmod(0o755)
    home = base / "cluster"
    env = {**os.environ, "CLUSTER_HOME": str(home), "CLUSTER_PORT": "18480"}
    env.pop("DATABASE_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "scripts/cluster.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    state: dict = {"processes": {}}
    started = run("start", "--no-demo-data")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        state = json.loads((home / "state.json").read_text())
        yield run, state, "http://127.0.0.1:18480"
    finally:
        stopped = run("stop")
        shutil.rmtree(base, ignore_errors=True)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    # Nothing it started is left running.
    for pid in state["processes"].values():
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(") ")[1][:1]


def test_the_cluster_serves_hands_over_and_falls_back(cluster):
    run, state, site = cluster
    token = state["metrics_token"]

    status, body = http(f"{site}/readyz")
    assert status == 200
    assert json.loads(body)["checks"]["replica"]["ok"] is True

    # Exactly one scheduler leads; killed, the other takes over within the lease (10 s) and a renewal.
    def leader() -> str:
        status, text = http(f"{site}/metrics", token)
        lines = [line for line in text.splitlines() if line.startswith("simrenew_scheduler_leader{")]
        return lines[0].split('"')[1] if status == 200 and len(lines) == 1 else ""

    first = until(leader, 30, "a scheduler leads")
    leading = next(name for name, pid in state["processes"].items() if first.endswith(f":{pid}"))
    assert run("kill", leading).returncode == 0
    second = until(lambda: (lambda now: now if now and now != first else "")(leader()), 40, "another scheduler leads")
    assert second != first

    # A web node killed: HAProxy keeps answering through the other, without errors.
    assert run("kill", "web1").returncode == 0
    answers = [http(f"{site}/en/official/")[0] for _ in range(20)]
    assert answers == [200] * 20

    # The replica stopped: the node stays ready and says reads fall back to the primary.
    assert run("pg-stop", "replica").returncode == 0
    status, body = http(f"{site}/readyz")
    assert status == 200
    assert json.loads(body)["checks"]["replica"]["ok"] is False
    assert run("pg-start", "replica").returncode == 0
    until(lambda: json.loads(http(f"{site}/readyz")[1])["checks"]["replica"]["ok"], 30, "the replica is back")
