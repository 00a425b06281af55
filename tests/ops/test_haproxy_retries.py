"""`make cluster`'s HAProxy configuration, run for real in front of two nodes that die mid-request.

A node that takes a request and closes the connection without answering is what a web node killed
with a sale in flight looks like from HAProxy. A GET may be sent again to the other node; a POST
must not be: the node may have committed the sale, and the same signed request sent again replays its
nonce (the terminal is refused with 401 for a sale that was made). The till sends it again itself,
signed anew, with the same Idempotency-Key, and gets the stored answer.
"""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def haproxy() -> str:
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else "")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Debian's haproxy (make cluster-deps)")
        pytest.skip("Debian's haproxy is not installed (make cluster-deps installs it)")
    return found


def free_base_port() -> int:
    """A CLUSTER_PORT whose cluster ports are free (scripts/cluster.py's own search)."""
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, 'scripts'); import cluster; print(cluster.free_base_port())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(found.stdout)


class DyingNode:
    """Answers the health check; takes every other request, then closes without a word."""

    def __init__(self, port: int) -> None:
        self.seen: list[str] = []
        self.lock = threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", port))
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    head = conn.recv(65536).decode("latin-1")
                except OSError:
                    continue
                request_line = head.split("\r\n", 1)[0]
                if " /readyz " in request_line:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                    continue
                with self.lock:
                    self.seen.append(request_line.split(" ", 1)[0])
                # Closed without an answer: killed with the request in flight.

    def close(self) -> None:
        self.running = False
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[tuple[str, list[DyingNode]]]:
    binary = haproxy()
    base = free_base_port()
    env = {**os.environ, "CLUSTER_HOME": str(tmp_path), "CLUSTER_PORT": str(base)}
    write_config = "import sys; sys.path.insert(0, 'scripts'); import cluster; print(cluster.haproxy_config({}))"
    config = subprocess.run(
        [sys.executable, "-c", write_config],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (tmp_path / "haproxy.cfg").write_text(config)
    nodes = [DyingNode(base + 1), DyingNode(base + 2)]
    process = subprocess.Popen(
        [binary, "-db", "-f", str(tmp_path / "haproxy.cfg")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        # Both nodes pass two health checks (1 s apart) before HAProxy sends them traffic.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            socket_path = tmp_path / "haproxy.sock"
            if socket_path.exists() and _servers_up(socket_path) == 2:
                break
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            time.sleep(0.2)
        else:
            pytest.fail("HAProxy did not see both nodes up within 15 s")
        yield f"http://127.0.0.1:{base}", nodes
    finally:
        process.terminate()
        process.wait(timeout=10)
        for node in nodes:
            node.close()


def _servers_up(socket_path: Path) -> int:
    with socket.socket(socket.AF_UNIX) as admin:
        admin.connect(str(socket_path))
        admin.sendall(b"show stat\n")
        answer = b""
        while chunk := admin.recv(65536):
            answer += chunk
    rows = [row.split(",") for row in answer.decode().splitlines() if row.startswith("nodes,web")]
    return sum(1 for row in rows if row[17] == "UP")


def send(url: str, method: str) -> int:
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_post_that_reached_a_dying_node_is_not_sent_again(proxy: tuple[str, list[DyingNode]]) -> None:
    base, nodes = proxy
    assert send(f"{base}/api/pos/sales", "POST") == 502
    assert sum(node.seen.count("POST") for node in nodes) == 1


def test_a_get_that_reached_a_dying_node_is_tried_on_another(proxy: tuple[str, list[DyingNode]]) -> None:
    base, nodes = proxy
    assert send(f"{base}/en/", "GET") == 502
    gets = [node.seen.count("GET") for node in nodes]
    assert sum(gets) == 4  # the request and HAProxy's 3 retries
    assert all(gets), "redispatched to the other node"
