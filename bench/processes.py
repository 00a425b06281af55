"""The processes a fault benchmark runs and breaks: a throwaway PostgreSQL cluster, and a supervisor
that starts again, after a pause, whatever dies (as a process manager would)."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

from pos_sales import ROOT

PG_BINARIES = Path("/usr/lib/postgresql")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_table() -> list[tuple[int, str, int, int]]:
    """(pid, state, ppid, pgid) of every process, from /proc."""
    rows = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        rows.append((int(entry.name), fields[0], int(fields[1]), int(fields[2])))
    return rows


def children_of(pid: int) -> list[int]:
    return [child for child, state, parent, _ in process_table() if parent == pid and state != "Z"]


def group_alive(pgid: int) -> bool:
    return any(group == pgid and state != "Z" for _, state, _, group in process_table())


class Cluster:
    """A throwaway PostgreSQL cluster under `home` (the newest server under /usr/lib/postgresql),
    run as the postgres user when we are root: initdb refuses root."""

    def __init__(self, home: Path) -> None:
        versions = [p for p in PG_BINARIES.glob("*/bin/pg_ctl") if p.parent.parent.name.isdigit()]
        if not versions:
            raise SystemExit(f"no PostgreSQL server found under {PG_BINARIES}/<version>/bin")
        self.bin = max(versions, key=lambda p: int(p.parent.parent.name)).parent
        self.home, self.data, self.log = home, home / "data", home / "postgres.log"
        self.port = free_port()

    def _run(self, program: str, *args: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*as_postgres, str(self.bin / program), *args], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode:
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    def create(self) -> None:
        self.home.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.home, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def restart(self, mode: str) -> None:
        # Without -o, pg_ctl starts the server again with the options it was started with.
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "-t", "60", "restart")

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


class Supervisor(threading.Thread):
    """Runs named processes and starts again, `delay` seconds after it exits, any that dies (like a
    process manager's Restart=always; it restarts the process it started, not its whole group).
    Each runs in its own process group, its output appended to logs/<name>.log."""

    def __init__(self, *, env: dict[str, str], logs: Path, delay: float) -> None:
        super().__init__(name="supervisor", daemon=True)
        self.env, self.logs, self.delay = env, logs, delay
        self.commands: dict[str, list[str]] = {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.exited: dict[str, float] = {}
        self.starts: Counter[str] = Counter()
        # Every group started: a killed gunicorn master leaves its workers finishing their requests.
        self.groups: list[int] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def add(self, name: str, command: list[str]) -> None:
        self.commands[name] = command
        self._start(name)

    def _start(self, name: str) -> None:
        self.starts[name] += 1
        with open(self.logs / f"{name}.log", "ab") as log:
            log.write(f"--- {time.strftime('%H:%M:%S')} start #{self.starts[name]}\n".encode())
            log.flush()
            process = subprocess.Popen(
                self.commands[name],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        with self.lock:
            self.processes[name] = process
            self.groups.append(process.pid)

    def run(self) -> None:
        while not self.stopping.wait(0.1):
            for name in list(self.commands):
                if self.processes[name].poll() is None:
                    continue
                died = self.exited.setdefault(name, time.monotonic())
                if time.monotonic() - died >= self.delay and not self.stopping.is_set():
                    del self.exited[name]
                    self._start(name)

    def restarts(self) -> int:
        return sum(self.starts.values()) - len(self.starts)

    def pid(self, name: str) -> int | None:
        with self.lock:
            process = self.processes.get(name)
        return process.pid if process is not None and process.poll() is None else None

    def all_running(self) -> bool:
        return all(self.pid(name) is not None for name in self.commands)

    def stop(self) -> None:
        """SIGTERM to every group started, SIGKILL to what is left after 15 s."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout=5)
        for signum, grace in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
            for group in self.groups:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signum)
            deadline = time.monotonic() + grace
            for process in self.processes.values():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
            while any(group_alive(g) for g in self.groups) and time.monotonic() < deadline:
                time.sleep(0.2)
            if not any(group_alive(g) for g in self.groups):
                return

    def tails(self, lines: int = 25) -> str:
        parts = []
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name} (last {len(text)} lines)\n" + "\n".join(text))
        return "\n".join(parts)
