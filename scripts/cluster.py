"""simrenew as an operator runs it, on this machine and on 127.0.0.1 only (`make cluster`).

    python scripts/cluster.py start     # everything below, then prints the URLs
    python scripts/cluster.py status    # what runs, the replica's lag, who leads the schedulers
    python scripts/cluster.py stop      # stops exactly what `start` started (recorded in state.json)
    python scripts/cluster.py kill NAME # kill -9 one process (web1, worker2, scheduler1, ...) for a drill
    python scripts/cluster.py revive NAME   # start it again; a web node: until it is ready and HAProxy serves it
    python scripts/cluster.py leader    # which scheduler leads (from /metrics); exit status 1 when none does
    python scripts/cluster.py lb-out web2 / lb-in web2   # take a web node out of HAProxy's rotation and back
    python scripts/cluster.py pg-stop replica / pg-start replica / pg-restart primary   # database drills

`start --scheduler-interval 5 --env JOBS_LEASE_SECONDS=5` runs the schedulers' ticks more often and
gives every process more settings (kept in state.json, so a revived process gets them too): the fault
benchmark (bench/cluster_faults.py) and the soak (bench/soak.py) start their clusters so.

What runs (all under var/cluster/, ports from CLUSTER_PORT, default 8080):
- PostgreSQL primary: a throwaway cluster of its own (initdb) on CLUSTER_PORT+11, and a streaming
  replica made from it with pg_basebackup on CLUSTER_PORT+12. The primary is not the machine's
  server: replication needs pg_hba entries that server does not have, and the fault drills restart the
  primary, which must not disturb anything else on the machine.
- HAProxy on CLUSTER_PORT in front of two gunicorn nodes (CLUSTER_PORT+1, +2), health-checked on
  /readyz; a connection refused by a dead node is retried on the other.
- Two task workers and two schedulers (one leads, simrenew.renewals.leader).
- The payment sandbox (PAYMENT_SANDBOX, a Mollie look-alike) in a gunicorn of its own on CLUSTER_PORT+3,
  which HAProxy routes /sandbox/ to: the nodes call it as they would call Mollie, outside themselves.
Read-only pages read from the replica (simrenew.kit.dbrouter), and fall back to the primary when it
lags or is down.
"""

import argparse
import contextlib
import csv
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("VENV", ROOT / ".venv"))
HOME = Path(os.environ.get("CLUSTER_HOME", ROOT / "var" / "cluster"))
BASE_PORT = int(os.environ.get("CLUSTER_PORT", "8080"))
PG_BINARIES = Path("/usr/lib/postgresql")
STATE = HOME / "state.json"
NODES = ("web1", "web2")
# "provider": the payment sandbox (a Mollie look-alike) in a process of its own, as the real provider is
# outside the cluster: served by the nodes, a payment's start would wait on a call back into the same
# threads, and a node whose threads all start payments would stall until the call timed out.
PROCESSES = ("web1", "web2", "provider", "worker1", "worker2", "scheduler1", "scheduler2")
HTTP_PROCESSES = (*NODES, "provider")
NODE_WORKERS = 2  # gunicorn processes per web node
NODE_THREADS = 8  # threads per web node, all its processes together


# Each service's port, from CLUSTER_PORT.
PORT_OFFSETS = {"haproxy": 0, "web1": 1, "web2": 2, "provider": 3, "primary": 11, "replica": 12}


def ports() -> dict[str, int]:
    return {name: BASE_PORT + offset for name, offset in PORT_OFFSETS.items()}


def free_base_port() -> int:
    """A CLUSTER_PORT whose ports (PORT_OFFSETS) are all free on 127.0.0.1 now, below the ephemeral
    range clients' ports come from: for the clusters tests and benchmarks start beside anything else."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 32000)
        try:
            for offset in PORT_OFFSETS.values():
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        return base
    raise SystemExit("no free ports for a cluster")


def say(text: str) -> None:
    print(f"cluster: {text}", flush=True)


# --- PostgreSQL


def pg_bin() -> Path:
    versions = [p for p in PG_BINARIES.glob("*/bin/pg_ctl") if p.parent.parent.name.isdigit()]
    if not versions:
        raise SystemExit(f"no PostgreSQL server binaries under {PG_BINARIES}/<version>/bin")
    return max(versions, key=lambda p: int(p.parent.parent.name)).parent


def as_postgres(program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, str(pg_bin() / program), *args], capture_output=True, text=True, timeout=300)
    if check and done.returncode:
        raise SystemExit(f"{program} {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done


def pg_dir(name: str) -> Path:
    return HOME / f"pg-{name}"


def pg_start(name: str) -> None:
    options = f"-p {ports()[name]} -k {pg_dir(name)} -c listen_addresses=127.0.0.1"
    as_postgres(
        "pg_ctl",
        "-D",
        str(pg_dir(name) / "data"),
        "-l",
        str(pg_dir(name) / "postgres.log"),
        "-o",
        options,
        "-w",
        "start",
    )


def pg_stop(name: str, mode: str = "fast") -> None:
    if (pg_dir(name) / "data" / "postmaster.pid").exists():
        as_postgres("pg_ctl", "-D", str(pg_dir(name) / "data"), "-m", mode, "-w", "stop", check=False)


def pg_restart(name: str, mode: str = "fast") -> None:
    # With its log file: else the server started again writes to our captured output, which then never ends.
    data, log = str(pg_dir(name) / "data"), str(pg_dir(name) / "postgres.log")
    as_postgres("pg_ctl", "-D", data, "-l", log, "-m", mode, "-w", "-t", "60", "restart")


def make_primary() -> None:
    directory = pg_dir("primary")
    directory.mkdir(parents=True)
    chown_postgres(directory)
    as_postgres("initdb", "-D", str(directory / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
    with (directory / "data" / "postgresql.conf").open("a") as conf:
        conf.write("\n# simrenew cluster\nwal_level = replica\nmax_wal_senders = 5\nmax_connections = 200\n")
        conf.write("wal_keep_size = 256MB\nhot_standby = on\n")
    with (directory / "data" / "pg_hba.conf").open("a") as hba:
        hba.write("host replication postgres 127.0.0.1/32 trust\n")
    pg_start("primary")


def make_replica() -> None:
    directory = pg_dir("replica")
    directory.mkdir(parents=True)
    chown_postgres(directory)
    as_postgres(
        "pg_basebackup",
        *("-h", "127.0.0.1", "-p", str(ports()["primary"]), "-U", "postgres"),
        *("-D", str(directory / "data"), "-R", "-X", "stream", "-c", "fast"),
    )
    pg_start("replica")


def chown_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
        path.chmod(0o700)
        HOME.chmod(0o755)


def database_urls() -> dict[str, str]:
    return {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{ports()['primary']}/simrenew",
        "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{ports()['replica']}/simrenew",
    }


# --- Processes


def environment(state: dict) -> dict[str, str]:
    site = f"http://127.0.0.1:{ports()['haproxy']}"
    return {
        **os.environ,
        **state.get("env", {}),
        **database_urls(),
        "DJANGO_SETTINGS_MODULE": "simrenew.settings",
        "SIMRENEW_VAR": str(HOME / "var"),
        "SITE_URL": site,
        "PUBLIC_URL": site,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PAYMENT_SANDBOX": "true",
        "MOLLIE_API_ENDPOINT": f"{site}/sandbox/mollie",
        "METRICS_TOKEN": state["metrics_token"],
        "LOG_FORMAT": "json",
    }


def command(name: str, state: dict) -> list[str]:
    python = str(VENV / "bin" / "python")
    if name in HTTP_PROCESSES:
        return [
            str(VENV / "bin" / "gunicorn"),
            "simrenew.wsgi:application",
            *("--config", "python:simrenew.gunicorn_conf", "--bind", f"127.0.0.1:{ports()[name]}"),
            *("--workers", str(NODE_WORKERS), "--threads", str(NODE_THREADS // NODE_WORKERS)),
            *("--no-control-socket", "--graceful-timeout", "5"),
        ]
    if name.startswith("worker"):
        return [python, "manage.py", "worker"]
    if name.startswith("scheduler"):
        return [python, "manage.py", "scheduler", "--interval", str(state.get("scheduler_interval", 60))]
    if name == "haproxy":
        return [haproxy_binary(), "-db", "-f", str(HOME / "haproxy.cfg")]
    raise SystemExit(f"no process called {name}")


def haproxy_binary() -> str:
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


def spawn(name: str, state: dict) -> None:
    env = environment(state)
    if name in HTTP_PROCESSES:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(HOME / "prometheus" / name)
    logs = HOME / "logs"
    logs.mkdir(exist_ok=True)
    with (logs / f"{name}.log").open("a") as log:
        process = subprocess.Popen(
            command(name, state), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    state["processes"][name] = process.pid
    save(state)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (our child, not reaped) is not alive
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def kill_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def stop_process(name: str, state: dict, *, hard: bool = False) -> None:
    pid = state["processes"].pop(name, None)
    save(state)
    if not pid:
        return
    kill_group(pid, signal.SIGKILL if hard else signal.SIGTERM)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    kill_group(pid, signal.SIGKILL)


def haproxy_config(state: dict) -> str:
    p = ports()
    # maxconn: a node is sent at most as many requests at once as it has threads (gunicorn's
    # --workers x --threads below); the rest wait in HAProxy's queue, not in the node's backlog, so
    # the health check never waits behind hundreds of requests and a busy node is not taken for dead.
    servers = "\n".join(f"  server {name} 127.0.0.1:{p[name]} check maxconn {NODE_THREADS}" for name in NODES)
    return f"""# Written by scripts/cluster.py
global
  maxconn 4096
  stats socket {HOME}/haproxy.sock mode 600 level admin

defaults
  mode http
  option httplog
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # A request waits this long for a free thread on a node (see maxconn), then gets a 503.
  timeout queue 30s
  # A connection refused by a node that just died is tried on the other: safe for any method, as the
  # request never reached the dead node. A request that reached a node which then died without
  # answering ("empty-response") is tried again only if it is a GET, HEAD or OPTIONS (see the frontend).
  retries 3
  option redispatch
  retry-on conn-failure empty-response

frontend simrenew
  bind 127.0.0.1:{p["haproxy"]}
  http-request set-header X-Forwarded-Proto http
  # A POST that reached a node may have been done there (a sale committed just before the node died):
  # only its client may send it again, signed anew with the same Idempotency-Key. HAProxy resending the
  # same signed request would replay its nonce, and the terminal would be refused (401) for a sale
  # that was made.
  http-request disable-l7-retry unless METH_GET or METH_OPTIONS
  acl provider path_beg /sandbox/
  use_backend provider if provider
  default_backend nodes

backend provider
  option httpchk GET /healthz
  server provider 127.0.0.1:{p["provider"]} check inter 1s

backend nodes
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 1s fall 2 rise 2
  # A dead node refuses the check at once; a busy one answers it behind the requests it is serving
  # (at most maxconn): give it time, or a saturated node (the only one left, say) is taken out and
  # every client gets a 503.
  timeout check 5s
{servers}
"""


def haproxy_admin(line: str) -> str:
    """One command on HAProxy's admin socket (`show stat`, `set server nodes/web2 state maint`)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(HOME / "haproxy.sock"))
        sock.sendall(line.encode() + b"\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def lb_status(name: str) -> str:
    """HAProxy's view of a web node: UP, DOWN, MAINT, or "UP 1/2" while it is being checked."""
    rows = csv.DictReader(haproxy_admin("show stat").removeprefix("# ").splitlines())
    return next((row["status"] for row in rows if row["pxname"] == "nodes" and row["svname"] == name), "unknown")


def lb_set(name: str, serving: bool) -> None:
    if name not in NODES:
        raise SystemExit(f"{name} is not a web node ({', '.join(NODES)})")
    answer = haproxy_admin(f"set server nodes/{name} state {'ready' if serving else 'maint'}").strip()
    if answer:
        raise SystemExit(f"HAProxy refused: {answer}")


def wait_served(name: str, timeout: float = 60) -> None:
    """Until HAProxy sends traffic to the node again (its health check passed `rise` times)."""
    deadline = time.monotonic() + timeout
    while (status := lb_status(name)) != "UP":
        if time.monotonic() > deadline:
            raise SystemExit(f"HAProxy does not serve {name} within {timeout:.0f} s (status {status})")
        time.sleep(0.2)


def revive(name: str, state: dict, *, wait: bool = True) -> None:
    """Start a killed process again, as a supervisor would; a web node, with `wait`, until it is ready
    and HAProxy serves it again; any other, until it has run a second without dying."""
    if (pid := state["processes"].get(name)) and alive(pid):
        raise SystemExit(f"{name} runs already (pid {pid})")
    spawn(name, state)
    if not wait:
        return
    if name in NODES:
        wait_for(ports()[name], "/readyz")
        wait_served(name)
        return
    time.sleep(1)
    if not alive(state["processes"][name]):
        raise SystemExit(f"{name} died at once; see {HOME / 'logs' / (name + '.log')}")


def leader(state: dict) -> tuple[str, str]:
    """(process name, lease owner) of the leading scheduler as /metrics shows it (through HAProxy;
    the figure may be up to SCRAPE_CACHE_SECONDS old), or ("", "") when none leads."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{ports()['haproxy']}/metrics",
        headers={"Authorization": f"Bearer {state['metrics_token']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http on 127.0.0.1)
        text = response.read().decode()
    for line in text.splitlines():
        if line.startswith("simrenew_scheduler_leader{"):
            owner = line.split('"')[1]
            pid = owner.rpartition(":")[2]
            name = next((n for n, p in state["processes"].items() if str(p) == pid), "?")
            return name, owner
    return "", ""


def save(state: dict) -> None:
    STATE.write_text(json.dumps(state, indent=2))


def load() -> dict:
    if not STATE.exists():
        raise SystemExit("no cluster is running (no state file); start one with `make cluster`")
    state: dict = json.loads(STATE.read_text())
    return state


def wait_for(url_port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", url_port), timeout=1) as sock:
                sock.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
                if b" 200 " in sock.recv(64):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"nothing answered 200 on 127.0.0.1:{url_port}{path} within {timeout:.0f} s")


def manage(state: dict, *args: str) -> None:
    subprocess.run([str(VENV / "bin" / "python"), "manage.py", *args], cwd=ROOT, env=environment(state), check=True)


# --- Commands


def start(demo_data: bool, *, scheduler_interval: int = 60, env: dict[str, str] | None = None) -> None:
    if STATE.exists():
        raise SystemExit(f"a cluster seems to run already ({STATE}); `make cluster-stop` first")
    if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
        raise SystemExit("HAProxy is not installed: `make cluster` installs Debian's haproxy")
    if HOME.exists():
        shutil.rmtree(HOME)
    HOME.mkdir(parents=True)
    state: dict = {
        "processes": {},
        "ports": ports(),
        "metrics_token": secrets.token_urlsafe(24),
        "scheduler_interval": scheduler_interval,
        "env": env or {},
    }
    save(state)
    say(f"PostgreSQL primary on 127.0.0.1:{ports()['primary']}")
    make_primary()
    state["postgres"] = ["primary"]
    save(state)
    as_postgres("createdb", "-h", "127.0.0.1", "-p", str(ports()["primary"]), "-U", "postgres", "simrenew")
    say("migrating" + (" and loading the demo data" if demo_data else ""))
    manage(state, "migrate", "--noinput", "-v0")
    if demo_data:
        for loader in ("demo_data", "demo_offline", "demo_retail"):
            manage(state, loader)
    say(f"streaming replica on 127.0.0.1:{ports()['replica']} (pg_basebackup)")
    make_replica()
    state["postgres"] = ["primary", "replica"]
    save(state)
    (HOME / "haproxy.cfg").write_text(haproxy_config(state))
    for name in PROCESSES:
        spawn(name, state)
    for name in HTTP_PROCESSES:
        wait_for(ports()[name])
    spawn("haproxy", state)
    wait_for(ports()["haproxy"], "/readyz")
    site = f"http://127.0.0.1:{ports()['haproxy']}"
    say(f"up: {site}/  (through HAProxy; nodes on :{ports()['web1']} and :{ports()['web2']})")
    say(f"health {site}/healthz, readiness {site}/readyz")
    say(f"metrics: curl -H 'Authorization: Bearer {state['metrics_token']}' {site}/metrics")
    say(f"logs in {HOME / 'logs'}; `make cluster-stop` stops it all")


def stop() -> None:
    if not STATE.exists():
        say("nothing to stop")
        return
    state = load()
    for name in ["haproxy", *reversed(PROCESSES)]:
        stop_process(name, state)
    for name in reversed(state.get("postgres", [])):
        pg_stop(name)
    STATE.unlink()
    say("stopped")


def status() -> None:
    state = load()
    for name, pid in sorted(state["processes"].items()):
        print(f"{name:11} pid {pid:<8} {'running' if alive(pid) else 'DEAD'}")
    for name in state.get("postgres", []):
        up = as_postgres("pg_ctl", "-D", str(pg_dir(name) / "data"), "status", check=False).returncode == 0
        print(f"{'pg-' + name:11} port {ports()[name]:<6} {'running' if up else 'STOPPED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = ["start", "stop", "status", "kill", "revive", "leader", "lb-out", "lb-in", "pg-restart", "pg-stop"]
    parser.add_argument("action", choices=[*actions, "pg-start"])
    parser.add_argument("name", nargs="?", help="kill/revive: a process; lb-*: a web node; pg-*: primary or replica")
    parser.add_argument("--no-demo-data", action="store_true", help="start with an empty database")
    parser.add_argument("--scheduler-interval", type=int, default=60, help="start: seconds between ticks")
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="start: a setting for every process"
    )
    parser.add_argument("--no-wait", action="store_true", help="revive: return once started")
    args = parser.parse_args()
    if args.action in ("kill", "revive", "lb-out", "lb-in") and not args.name:
        parser.error(f"{args.action} needs a NAME")
    if args.action == "start":
        extra = dict(item.split("=", 1) for item in args.env if "=" in item)
        if len(extra) != len(args.env):
            parser.error("--env takes KEY=VALUE")
        try:
            start(demo_data=not args.no_demo_data, scheduler_interval=args.scheduler_interval, env=extra)
        except BaseException:
            say("start failed; stopping what was started")
            stop()
            raise
    elif args.action == "stop":
        stop()
    elif args.action == "status":
        status()
    elif args.action == "kill":
        stop_process(args.name, load(), hard=True)
    elif args.action == "revive":
        revive(args.name, load(), wait=not args.no_wait)
    elif args.action == "leader":
        name, owner = leader(load())
        print(f"{name} ({owner})" if owner else "no scheduler leads")
        sys.exit(0 if owner else 1)
    elif args.action == "lb-out":
        lb_set(args.name, serving=False)
    elif args.action == "lb-in":
        lb_set(args.name, serving=True)
        wait_served(args.name)  # once its health checks pass again
    elif args.action == "pg-restart":
        pg_restart(args.name or "primary", "immediate")
    elif args.action == "pg-stop":
        pg_stop(args.name or "replica", "immediate")
    elif args.action == "pg-start":
        pg_start(args.name or "replica")
    else:  # pragma: no cover
        sys.exit(2)


if __name__ == "__main__":
    main()
