"""The short chaos run: bench/cluster_faults.py for 3 cycles against a whole cluster (HAProxy, two web
nodes, two workers, two schedulers, a primary and its replica) under a small mixed load: a web node
killed, the leading scheduler killed, the primary restarted. Nothing paid may go undelivered, no sale
may be lost or doubled, and each fault must be repaired in time. Runs with the PostgreSQL tests (it
needs PostgreSQL's server binaries and Debian's haproxy, which `make test` installs)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


@pytest.fixture
def chaos_run() -> subprocess.CompletedProcess[str]:
    if connection.vendor != "postgresql":
        pytest.skip("the cluster runs on PostgreSQL: run with DATABASE_URL=postgres://...")
    if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Debian's haproxy for the chaos run (make cluster-deps)")
        pytest.skip("Debian's haproxy is not installed (make cluster-deps installs it)")
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CLUSTER_HOME")}
    return subprocess.run(
        [
            sys.executable,
            "bench/cluster_faults.py",
            *("--cycles", "3", "--kinds", "web-node,leader,primary"),
            *("--tills", "2", "--customers", "2", "--max-minutes", "3", "--settle-seconds", "60", "--seed", "12"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_three_faults_across_the_cluster_lose_nothing(chaos_run: subprocess.CompletedProcess[str]) -> None:
    out = chaos_run.stdout + chaos_run.stderr
    # On a failure the run prints its report (faults, recoveries, invariants), then every process's
    # last log lines: show the report's end first, so that what failed is not hidden by the logs.
    report, _, logs = out.partition("\nlast lines of each process's log:\n")
    assert chaos_run.returncode == 0, report[-5000:] + "\n--- the processes' logs, end:\n" + logs[-2500:]
    assert "PASS: paid means delivered, across the cluster" in out

    # Each fault happened once, and its recovery was measured.
    kinds = {
        "kill -9 a web node": "first request served",
        "kill -9 the leading scheduler": "leader elected (/metrics)",
        "restart the primary (immediate)": "first request served",
    }
    for fault, recovery in kinds.items():
        row = re.search(rf"^{re.escape(fault)} +1 +\d+/\d+ \([\d.]+ %\) +{re.escape(recovery)} +([\d.]+)s", out, re.M)
        assert row, f"no measured recovery for {fault!r}:\n{out[-4000:]}"

    # The invariants were checked, against real traffic: sales and paid orders happened.
    sold = re.search(r"^  POS keys answered 201 +(\d+)", out, re.M)
    paid = re.search(r"^  orders paid at the provider \(sandbox\) +(\d+)", out, re.M)
    assert sold and int(sold.group(1)) > 0, out[-4000:]
    assert paid and int(paid.group(1)) > 0, out[-4000:]
    assert re.search(r"^  manage.py ledger verify \(exit status\) +0  ok", out, re.M)
    assert re.search(r"^  schedulers leading at the end +1  ok", out, re.M)
    assert not re.search(r"^  .* \d+  FAIL\b", out, re.M), out[-4000:]
